"""Who is on a page, in which language, with which CSRF token and flash messages.

Staff and signed-in citizens carry their bearer token in the `phananh_session` cookie (HttpOnly,
SameSite=Lax, Secure over https), which the REST API accepts too. Every form carries a CSRF token:
an HMAC of a random per-browser cookie under the server's secret (double submit, signed), checked on POST.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from typing import Annotated
from urllib.parse import quote, unquote

from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from phananh.auth.principal import ANONYMOUS, Principal
from phananh.auth.service import principal_for_token
from phananh.directory import service as directory_service
from phananh.directory.service import Directory
from phananh.i18n import LANGUAGES, current_language, gettext, pick_language
from phananh.workflow import Role

SESSION_COOKIE = "phananh_session"
CSRF_COOKIE = "phananh_csrf"
FLASH_COOKIE = "phananh_flash"
LANG_COOKIE = "phananh_lang"
CSRF_FIELD = "csrf_token"


class Redirect(Exception):
    """Leave the page for another one (sign-in, or back after a refused action)."""

    def __init__(self, url: str, flash: tuple[str, str] | None = None):
        self.url, self.flash = url, flash


class CsrfFailed(Exception):
    pass


@dataclass
class Web:
    request: Request
    principal: Principal
    lang: str
    csrf_cookie: str
    flashes: list[tuple[str, str]]
    set_cookies: dict[str, tuple[str | None, dict]] = field(default_factory=dict)
    directory: Directory | None = None
    unread_notices: int = 0
    flashes_out: list[tuple[str, str]] = field(default_factory=list)

    def _(self, message: str, **params) -> str:
        return gettext(message, self.lang, **params)

    @property
    def csrf_token(self) -> str:
        return csrf_token_for(self.request, self.csrf_cookie)

    @property
    def secure(self) -> bool:
        return self.request.url.scheme == "https"

    def cookie_options(self, **extra) -> dict:
        return {"httponly": True, "samesite": "lax", "secure": self.secure, "path": "/", **extra}

    def flash(self, level: str, text: str) -> None:
        """A message shown on the next page (after a redirect)."""
        self.flashes_out.append((level, text))

    def finish(self, response: Response) -> Response:
        """Attach the cookies this request decided on."""
        for name, (value, options) in self.set_cookies.items():
            if value is None:
                response.delete_cookie(name, path="/")
            else:
                response.set_cookie(name, value, **options)
        if self.flashes_out:
            response.set_cookie(FLASH_COOKIE, quote(json.dumps(self.flashes_out, ensure_ascii=False)),
                                **self.cookie_options(max_age=60))
        elif self.flashes:
            response.delete_cookie(FLASH_COOKIE, path="/")
        return response

    def redirect(self, url: str) -> Response:
        return self.finish(RedirectResponse(url, status_code=303))


def csrf_token_for(request: Request, cookie: str) -> str:
    secret = request.app.state.settings.secret_key.encode()
    return hmac.new(secret, f"csrf:{cookie}".encode(), hashlib.sha256).hexdigest()


def _read_flashes(request: Request) -> list[tuple[str, str]]:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return []
    try:
        return [(str(level), str(text)) for level, text in json.loads(unquote(raw))][:5]
    except (ValueError, TypeError):
        return []


async def get_web(request: Request) -> Web:
    """The page context of a request; sets the language of this request's gettext."""
    explicit = request.query_params.get("lang")
    lang = pick_language(request.headers.get("accept-language"),
                         explicit if explicit in LANGUAGES else request.cookies.get(LANG_COOKIE))
    current_language.set(lang)
    principal, set_cookies = ANONYMOUS, {}
    token = request.cookies.get(SESSION_COOKIE)
    async with request.app.state.engine.connect() as conn:
        directory = await directory_service.load(conn)  # names for codes on every page (cached per process)
        if token:
            principal = await principal_for_token(conn, token) or ANONYMOUS
    if token and principal is ANONYMOUS:
        set_cookies[SESSION_COOKIE] = (None, {})
    unread = await _unread_notices(request, principal) if principal.user_id else 0
    csrf_cookie = request.cookies.get(CSRF_COOKIE) or ""
    web = Web(request, principal, lang, csrf_cookie, _read_flashes(request), set_cookies, directory, unread)
    if not csrf_cookie or len(csrf_cookie) < 20:
        web.csrf_cookie = secrets.token_urlsafe(24)
        set_cookies[CSRF_COOKIE] = (web.csrf_cookie, web.cookie_options(max_age=60 * 60 * 24 * 30))
    if explicit in LANGUAGES:
        set_cookies[LANG_COOKIE] = (explicit, web.cookie_options(max_age=60 * 60 * 24 * 365))
    return web


async def _unread_notices(request: Request, principal: Principal) -> int:
    from phananh.notifications import routes as notifications_api

    page = await notifications_api.list_notifications(engine=request.app.state.engine, principal=principal,
                                                      unread=True, page=1, page_size=1)
    return page["unread_count"]


async def get_form_web(request: Request, web: Annotated[Web, Depends(get_web)]) -> Web:
    """The page context of a form POST: the CSRF token must match this browser's cookie."""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie or not isinstance(sent, str) or not hmac.compare_digest(sent, csrf_token_for(request, cookie)):
        raise CsrfFailed()
    return web


PageWeb = Annotated[Web, Depends(get_web)]
FormWeb = Annotated[Web, Depends(get_form_web)]


def require_staff(web: Web, *roles: Role) -> Principal:
    """The signed-in staff member with one of `roles`; otherwise off to the sign-in page."""
    p = web.principal
    if p.role not in roles:
        if p.role in (Role.anonymous, Role.citizen):
            raise Redirect(f"/dang-nhap?next={quote(web.request.url.path)}")
        raise Redirect("/dang-nhap", ("error", web._("Your role may not open this page.")))
    return p


def install_redirects(app: FastAPI) -> None:
    @app.exception_handler(Redirect)
    async def _redirect(request: Request, exc: Redirect):
        response = RedirectResponse(exc.url, status_code=303)
        if exc.flash:
            response.set_cookie(FLASH_COOKIE, quote(json.dumps([exc.flash], ensure_ascii=False)), max_age=60,
                                httponly=True, samesite="lax", secure=request.url.scheme == "https", path="/")
        return response

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, exc: CsrfFailed):
        lang = pick_language(request.headers.get("accept-language"), request.cookies.get(LANG_COOKIE))
        text = gettext("The form has expired. Reload the page and try again.", lang)
        return Response(text, status_code=403, media_type="text/plain; charset=utf-8")
