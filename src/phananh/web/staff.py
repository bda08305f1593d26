"""Staff sign-in and sign-out: the bearer token of `auth.staff_login` in an HttpOnly cookie.

The sign-in is two pages for an account with a second factor: the password page hands a signed five-minute
ticket (not a session) to the code page. An account that must have a second factor and has none is signed in
but sent to the enrolment page, and every staff page sends it back there until it is done."""

from __future__ import annotations

from fastapi import APIRouter

from phananh.auth import manage as auth_manage
from phananh.auth import mfa, staff_login
from phananh.auth.routes import login_with_budget
from phananh.db import utcnow
from phananh.errors import DomainError, http_status
from phananh.security.limits import client_ip
from phananh.web.forms import text_fields
from phananh.web.session import SESSION_COOKIE, FormWeb, PageWeb, Redirect, Web
from phananh.web.templating import render
from phananh.workflow import Role

router = APIRouter(include_in_schema=False)

HOME_BY_ROLE = {
    Role.dispatcher: "/portal", Role.handler: "/agency", Role.agency_leader: "/agency", Role.admin: "/admin",
    Role.supervisor: "/dashboard", Role.citizen: "/cua-toi",
}
ENROL_PAGE = "/dang-nhap/xac-thuc-hai-buoc"


def _safe_next(url: str | None) -> str | None:
    return url if url and url.startswith("/") and not url.startswith("//") else None


@router.get("/dang-nhap")
async def sign_in_page(web: PageWeb, next: str | None = None):
    if web.principal.is_staff and not next:
        return web.redirect(ENROL_PAGE if web.principal.mfa_pending else HOME_BY_ROLE.get(web.principal.role, "/"))
    return render(web, "staff/sign_in.html", values={"next": _safe_next(next) or ""}, errors={})


def _signed_in(web: Web, signed: dict, row, next_url: str | None):
    web.set_cookies[SESSION_COOKIE] = (signed["access_token"], web.cookie_options(max_age=signed["expires_in"]))
    settings = web.request.app.state.settings
    if not mfa.is_enrolled(row) and row["role"] in settings.mfa_roles():
        return web.redirect(ENROL_PAGE)
    return web.redirect(_safe_next(next_url) or HOME_BY_ROLE.get(Role(row["role"]), "/"))


@router.post("/dang-nhap")
async def sign_in(web: FormWeb):
    fields = text_fields(await web.request.form())
    errors = {k: web._("Fill in this field.") for k in ("username", "password") if not fields.get(k)}
    settings = web.request.app.state.settings
    now = utcnow()

    async def attempt(conn, ip):
        row = await staff_login.check_password(conn, username=fields["username"], password=fields["password"],
                                               settings=settings, now=now, ip=ip)
        if mfa.is_enrolled(row):
            return row, None
        return row, await staff_login.finish(conn, row, settings=settings, now=now)

    if not errors:
        try:
            row, signed = await login_with_budget(web.request, web.request.app.state.engine, attempt)
        except DomainError as exc:
            errors = {"password": web._(exc.message, **exc.params)}
    if errors:
        fields.pop("password", None)  # never sent back into the page
        return render(web, "staff/sign_in.html", status=422, values=fields, errors=errors)
    if signed is None:  # the second step: a code from the authenticator app
        return render(web, "staff/second_factor.html", errors={},
                      values={"ticket": staff_login.two_step_ticket(row, settings), "next": fields.get("next", "")})
    return _signed_in(web, signed, row, fields.get("next"))


@router.post("/dang-nhap/ma-xac-thuc")
async def sign_in_second_step(web: FormWeb):
    fields = text_fields(await web.request.form())
    settings = web.request.app.state.settings
    now = utcnow()

    async def attempt(conn, ip):
        row = await staff_login.user_for_ticket(conn, fields.get("ticket", ""), settings=settings, now=now)
        await staff_login.check_second_factor(conn, row, fields.get("otp", ""), settings=settings, now=now, ip=ip)
        return row, await staff_login.finish(conn, row, settings=settings, now=now)

    try:
        row, signed = await login_with_budget(web.request, web.request.app.state.engine, attempt)
    except DomainError as exc:
        message = web._(exc.message, **exc.params)
        if exc.code == "mfa_required":
            values = {"ticket": fields.get("ticket", ""), "next": fields.get("next", "")}
            return render(web, "staff/second_factor.html", status=422, values=values, errors={"otp": message})
        return render(web, "staff/sign_in.html", status=422 if http_status(exc) < 429 else http_status(exc),
                      values={"next": fields.get("next", "")}, errors={"password": message})
    return _signed_in(web, signed, row, fields.get("next"))


def _staff_member(web: Web):
    p = web.principal
    if not p.is_staff:
        raise Redirect(f"/dang-nhap?next={ENROL_PAGE}")
    return p


@router.get(ENROL_PAGE)
async def enrol_page(web: PageWeb):
    """Set up the second factor: a QR code (and the secret, to type in), then one code to confirm."""
    p = _staff_member(web)
    settings = web.request.app.state.settings
    async with web.request.app.state.engine.begin() as conn:
        try:
            pending = (await mfa.pending_totp(conn, user_id=p.user_id, settings=settings)
                       or await mfa.begin_totp(conn, user_id=p.user_id, settings=settings))
        except DomainError:  # already enrolled
            return web.redirect(HOME_BY_ROLE.get(p.role, "/"))
    return _enrol(web, pending, errors={})


def _enrol(web: Web, pending: dict, *, errors: dict, status: int = 200):
    return render(web, "staff/enrol.html", status=status, secret=pending["secret"],
                  qr_svg=mfa.qr_svg(pending["otpauth_uri"]), errors=errors,
                  required=web.principal.mfa_pending)


@router.post(ENROL_PAGE)
async def enrol(web: FormWeb):
    p = _staff_member(web)
    settings = web.request.app.state.settings
    code = text_fields(await web.request.form()).get("code", "")
    try:
        async with web.request.app.state.engine.begin() as conn:
            codes = await mfa.confirm_totp(conn, user_id=p.user_id, code=code, settings=settings, now=utcnow(),
                                           ip=client_ip(web.request))
    except DomainError as exc:
        async with web.request.app.state.engine.connect() as conn:
            pending = await mfa.pending_totp(conn, user_id=p.user_id, settings=settings)
        if pending is None:
            return web.redirect(HOME_BY_ROLE.get(p.role, "/"))
        return _enrol(web, pending, errors={"code": web._(exc.message, **exc.params)}, status=422)
    return render(web, "staff/recovery_codes.html", codes=codes, home=HOME_BY_ROLE.get(p.role, "/"))


@router.post("/dang-xuat")
async def sign_out(web: FormWeb):
    token = web.session_token  # under its __Host- name over https
    if token:
        async with web.request.app.state.engine.begin() as conn:
            await auth_manage.revoke_token(conn, token)
    web.set_cookies[SESSION_COOKIE] = (None, {})
    web.flash("ok", web._("You are signed out."))
    return web.redirect("/")
