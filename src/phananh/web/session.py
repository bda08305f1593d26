"""Who is on a page, in which language, with which CSRF token and flash messages.

Staff and signed-in citizens carry their bearer token in the `phananh_session` cookie (HttpOnly,
SameSite=Lax; over https `__Host-phananh_session`, Secure), which the REST API accepts too. Every form carries
a CSRF token, checked on POST, that an attacker cannot know: for a signed-in browser an HMAC of its session
token (the same token the API wants in `X-CSRF-Token`, see `server.cookies`); for an anonymous one an HMAC of
a random cookie that the server signed, so that a cookie planted from elsewhere is refused and replaced.
A form POST that the browser marks as coming from another site (`Sec-Fetch-Site`) is refused as well.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from typing import Annotated, TypeVar
from urllib.parse import quote, unquote

from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from phananh.auth.principal import ANONYMOUS, Principal
from phananh.auth.service import principal_for_token
from phananh.db import reading
from phananh.directory import service as directory_service
from phananh.directory.service import Directory
from phananh.i18n import LANGUAGES, current_language, gettext, pick_language
from phananh.server.cookies import SESSION_COOKIE, cookie_name, is_secure, read_cookie, session_csrf_token
from phananh.server.forms import read_form
from phananh.workflow import Role

CSRF_COOKIE = "phananh_csrf"
FLASH_COOKIE = "phananh_flash"
LANG_COOKIE = "phananh_lang"
CSRF_FIELD = "csrf_token"
_R = TypeVar("_R", bound=Response)  # finish() gives back the response it was given


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
    csrf_cookie: str  # "<random>.<signature>", see `_browser_cookie`
    flashes: list[tuple[str, str]]
    set_cookies: dict[str, tuple[str | None, dict]] = field(default_factory=dict)
    directory: Directory | None = None
    unread_notices: int = 0
    flashes_out: list[tuple[str, str]] = field(default_factory=list)
    session_token: str | None = None  # the valid session this browser is signed in with

    def _(self, message: str, **params) -> str:
        return gettext(message, self.lang, **params)

    @property
    def csrf_token(self) -> str:
        secret = self.request.app.state.settings.secret_key
        if self.session_token:
            return session_csrf_token(secret, self.session_token)
        return _sign(secret, "csrf:browser:" + self.csrf_cookie)

    @property
    def secure(self) -> bool:
        return is_secure(self.request)

    def cookie_options(self, **extra) -> dict:
        return {"httponly": True, "samesite": "lax", "secure": self.secure, "path": "/", **extra}

    def flash(self, level: str, text: str) -> None:
        """A message shown on the next page (after a redirect)."""
        self.flashes_out.append((level, text))

    def finish(self, response: _R) -> _R:
        """Attach the cookies this request decided on."""
        for name, (value, options) in self.set_cookies.items():
            if value is None:
                response.delete_cookie(cookie_name(name, self.secure), path="/", secure=self.secure)
            else:
                response.set_cookie(cookie_name(name, self.secure), value, **options)
        if self.flashes_out:
            response.set_cookie(cookie_name(FLASH_COOKIE, self.secure),
                                quote(json.dumps(self.flashes_out, ensure_ascii=False)), **self.cookie_options(max_age=60))
        elif self.flashes:
            response.delete_cookie(cookie_name(FLASH_COOKIE, self.secure), path="/", secure=self.secure)
        return response

    def redirect(self, url: str) -> Response:
        return self.finish(RedirectResponse(url, status_code=303))


def _sign(secret: str, text: str) -> str:
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


def _browser_cookie(secret: str, sent: str | None) -> str | None:
    """`sent` if it is a per-browser CSRF cookie that this server made (random part + its signature), else None."""
    random_part, _, signature = (sent or "").partition(".")
    if len(random_part) < 20 or not hmac.compare_digest(signature.encode(), _sign(secret, "csrf:cookie:" + random_part).encode()):
        return None
    return sent


def _new_browser_cookie(secret: str) -> str:
    random_part = secrets.token_urlsafe(24)
    return f"{random_part}.{_sign(secret, 'csrf:cookie:' + random_part)}"


def _read_flashes(request: Request) -> list[tuple[str, str]]:
    raw = read_cookie(request, FLASH_COOKIE)
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
                         explicit if explicit in LANGUAGES else read_cookie(request, LANG_COOKIE))
    current_language.set(lang)
    principal = ANONYMOUS
    set_cookies: dict[str, tuple[str | None, dict]] = {}
    token = read_cookie(request, SESSION_COOKIE)
    async with reading(request.app.state.engine) as conn:  # reads only: never holds SQLite's write lock
        directory = await directory_service.load(conn)  # names for codes on every page (cached per process)
        if token:
            principal = await principal_for_token(conn, token, request.app.state.settings) or ANONYMOUS
    if token and principal is ANONYMOUS:
        set_cookies[SESSION_COOKIE] = (None, {})
    unread = await _unread_notices(request, principal) if principal.user_id else 0
    secret = request.app.state.settings.secret_key
    csrf_cookie = _browser_cookie(secret, read_cookie(request, CSRF_COOKIE))
    web = Web(request, principal, lang, csrf_cookie or "", _read_flashes(request), set_cookies, directory, unread,
              session_token=token if principal is not ANONYMOUS else None)
    if csrf_cookie is None:  # none yet, or not one of ours (planted): a new one
        web.csrf_cookie = _new_browser_cookie(secret)
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
    """The page context of a form POST: sent from one of our pages, with the CSRF token of this browser's session
    (or, signed out, of its signed cookie)."""
    if request.headers.get("sec-fetch-site") in ("cross-site", "same-site"):
        raise CsrfFailed()
    settings = request.app.state.settings  # read once with its caps: files spooled to disk, each one capped
    form = await read_form(request, max_files=settings.max_files_per_report, max_file_bytes=settings.max_video_bytes)
    sent = form.get(CSRF_FIELD)
    if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), web.csrf_token.encode()):
        raise CsrfFailed()
    return web


PageWeb = Annotated[Web, Depends(get_web)]
FormWeb = Annotated[Web, Depends(get_form_web)]


def require_staff(web: Web, *roles: Role) -> Principal:
    """The signed-in staff member with one of `roles`; otherwise off to the sign-in page."""
    p = web.principal
    if p.mfa_pending:  # must set up the second factor before anything else
        raise Redirect("/dang-nhap/xac-thuc-hai-buoc")
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
            secure = is_secure(request)
            response.set_cookie(cookie_name(FLASH_COOKIE, secure), quote(json.dumps([exc.flash], ensure_ascii=False)),
                                max_age=60, httponly=True, samesite="lax", secure=secure, path="/")
        return response

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, exc: CsrfFailed):
        lang = pick_language(request.headers.get("accept-language"), read_cookie(request, LANG_COOKIE))
        text = gettext("The form has expired. Reload the page and try again.", lang)
        return Response(text, status_code=403, media_type="text/plain; charset=utf-8")
