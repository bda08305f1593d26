"""Staff sign-in and sign-out: the bearer token of `auth.service.login_staff` in an HttpOnly cookie."""

from __future__ import annotations

from fastapi import APIRouter
from phananh.auth import manage as auth_manage
from phananh.auth import service as auth_service
from phananh.errors import ApiError
from phananh.web.forms import text_fields
from phananh.web.session import SESSION_COOKIE, FormWeb, PageWeb
from phananh.web.templating import render
from phananh.workflow import Role

router = APIRouter(include_in_schema=False)

HOME_BY_ROLE = {
    Role.dispatcher: "/portal", Role.handler: "/agency", Role.agency_leader: "/agency", Role.admin: "/admin",
    Role.supervisor: "/dashboard", Role.citizen: "/cua-toi",
}


def _safe_next(url: str | None) -> str | None:
    return url if url and url.startswith("/") and not url.startswith("//") else None


@router.get("/dang-nhap")
async def sign_in_page(web: PageWeb, next: str | None = None):
    if web.principal.is_staff and not next:
        return web.redirect(HOME_BY_ROLE.get(web.principal.role, "/"))
    return render(web, "staff/sign_in.html", values={"next": _safe_next(next) or ""}, errors={})


@router.post("/dang-nhap")
async def sign_in(web: FormWeb):
    fields = text_fields(await web.request.form())
    errors = {k: web._("Fill in this field.") for k in ("username", "password") if not fields.get(k)}
    if not errors:
        try:
            async with web.request.app.state.engine.begin() as conn:
                signed = await auth_service.login_staff(conn, username=fields["username"],
                                                        password=fields["password"],
                                                        settings=web.request.app.state.settings)
        except ApiError as exc:
            errors = {"password": web._(exc.message, **exc.params)}
    if errors:
        fields.pop("password", None)  # never sent back into the page
        return render(web, "staff/sign_in.html", status=422, values=fields, errors=errors)
    web.set_cookies[SESSION_COOKIE] = (signed["access_token"], web.cookie_options(max_age=signed["expires_in"]))
    role = Role(signed["user"]["role"])
    return web.redirect(_safe_next(fields.get("next")) or HOME_BY_ROLE.get(role, "/"))


@router.post("/dang-xuat")
async def sign_out(web: FormWeb):
    token = web.session_token  # under its __Host- name over https
    if token:
        async with web.request.app.state.engine.begin() as conn:
            await auth_manage.revoke_token(conn, token)
    web.set_cookies[SESSION_COOKIE] = (None, {})
    web.flash("ok", web._("You are signed out."))
    return web.redirect("/")
