import json
from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, StringConstraints, ValidationError

from phananh.api.deps import AppSettings, CurrentPrincipal, Engine
from phananh.api.openapi import document_models, error_responses
from phananh.auth import manage, mfa, service, staff_login
from phananh.db import utcnow
from phananh.errors import ApiError, DomainError, invalid_fields
from phananh.security import limits
from phananh.server.cookies import SESSION_COOKIE, cookie_name, is_secure, read_cookie

router = APIRouter(prefix="/auth", tags=["auth"])
LOGIN_BUDGET = "login_failures_per_ip"


class LoginIn(BaseModel):
    username: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    # The second factor of an enrolled account: a 6-digit TOTP code or an unused recovery code.
    otp: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)] | None = None


class UserOut(BaseModel):
    username: str
    full_name: str
    role: str


document_models(LoginIn)


class TokenOut(BaseModel):
    access_token: str
    token_type: str
    expires_in: int
    user: UserOut


class OtpRequestIn(BaseModel):
    phone: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]


class OtpRequestOut(BaseModel):
    phone: str
    expires_in: int


class OtpVerifyIn(OtpRequestIn):
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=4, max_length=8)]


class MeOut(BaseModel):
    username: str | None
    role: str
    agency_id: int | None = None


_LOGIN_DOC = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {"$ref": "#/components/schemas/LoginIn"}},
    "application/x-www-form-urlencoded": {"schema": {"$ref": "#/components/schemas/LoginIn"}},
}}}


@router.post("/login", response_model=TokenOut, openapi_extra=_LOGIN_DOC, responses=error_responses(401, 422, 429))
async def login(request: Request, engine: Engine, settings: AppSettings):
    """Staff sign-in: username and password (JSON, or an OAuth2 password form) → bearer token."""
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        form = await request.form()
        raw = {k: form.get(k) for k in ("username", "password", "otp") if form.get(k) is not None}
    else:
        try:
            raw = json.loads(await request.body() or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise ApiError(400, "malformed_json", "The request body is not valid JSON.")
    try:
        body = LoginIn.model_validate(raw)
    except ValidationError as exc:
        raise invalid_fields(exc)
    return await login_with_budget(request, engine, lambda conn, ip: service.login_staff(
        conn, username=body.username, password=body.password, otp=body.otp, settings=settings, ip=ip))


async def login_with_budget(request: Request, engine, attempt):
    """Run a staff sign-in `attempt(conn, ip)` under the client IP's failure budget (`login_failures_per_ip`):
    refused up front once it is spent, and charged for each failed attempt."""
    ip = limits.ip_key(request)
    await limits.check(request, LOGIN_BUDGET, ip)
    try:
        async with engine.begin() as conn:
            return await attempt(conn, ip)
    except DomainError as exc:
        if staff_login.is_counted_failure(exc) or exc.code == "account_locked":
            try:
                await limits.hit(request, LOGIN_BUDGET, ip)
            except DomainError:
                pass  # already at the budget: the next attempt is refused
        raise


@router.post("/logout", status_code=204, response_class=Response)
async def logout(request: Request, engine: Engine, principal: CurrentPrincipal):
    """End this session: the bearer token (or the session cookie's token) is revoked."""
    if principal.user_id is None:
        raise ApiError(401, "unauthorized", "Sign in to do this.")
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip() or read_cookie(request, SESSION_COOKIE) or ""
    async with engine.begin() as conn:
        await manage.revoke_token(conn, token)
    response = Response(status_code=204)
    response.delete_cookie(cookie_name(SESSION_COOKIE, is_secure(request)), path="/", secure=is_secure(request))
    return response


class TotpSetupOut(BaseModel):
    secret: str
    otpauth_uri: str


class TotpConfirmIn(BaseModel):
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16)]


class TotpConfirmOut(BaseModel):
    recovery_codes: list[str]


def _staff(principal) -> None:
    if principal.user_id is None:
        raise ApiError(401, "unauthorized", "Sign in to do this.", headers={"WWW-Authenticate": "Bearer"})
    if not principal.is_staff:
        raise ApiError(403, "forbidden", "Your role may not do this.")


@router.post("/mfa/totp/setup", response_model=TotpSetupOut, responses=error_responses(409))
async def totp_setup(engine: Engine, settings: AppSettings, principal: CurrentPrincipal):
    """Staff second factor, step 1: a new TOTP secret and its otpauth:// URI (for a QR code). Not active yet."""
    _staff(principal)
    async with engine.begin() as conn:
        return await mfa.begin_totp(conn, user_id=principal.signed_in_user_id, settings=settings)


@router.post("/mfa/totp/confirm", response_model=TotpConfirmOut, responses=error_responses(409, 422))
async def totp_confirm(request: Request, body: TotpConfirmIn, engine: Engine, settings: AppSettings,
                       principal: CurrentPrincipal):
    """Step 2: a code from the app turns the second factor on; the answer holds 10 one-time recovery codes
    (shown only now). From then on the sign-in needs `otp`."""
    _staff(principal)
    async with engine.begin() as conn:
        codes = await mfa.confirm_totp(conn, user_id=principal.signed_in_user_id, code=body.code, settings=settings,
                                       now=utcnow(), ip=limits.client_ip(request))
    return {"recovery_codes": codes}


_RATE_LIMITED: dict[int | str, dict[str, Any]] = {
    429: {"description": "too many requests (`rate_limited`): try again after `Retry-After` seconds"},
    **error_responses(422)}


@router.post("/otp/request", response_model=OtpRequestOut, status_code=202, responses=_RATE_LIMITED)
async def otp_request(request: Request, body: OtpRequestIn):
    """Citizen sign-in, step 1: a one-time code is sent to the phone by SMS (the same answer for any phone)."""
    return await service.send_sign_in_code(request, phone=body.phone)


@router.post("/otp/verify", response_model=TokenOut, responses={**_RATE_LIMITED, **error_responses(401)})
async def otp_verify(request: Request, body: OtpVerifyIn):
    """Citizen sign-in, step 2: the code → bearer token; the citizen's reports are theirs."""
    return await service.sign_in_with_code(request, phone=body.phone, code=body.code)


@router.get("/me", response_model=MeOut)
async def me(principal: CurrentPrincipal):
    if principal.user_id is None:
        raise ApiError(401, "unauthorized", "Sign in to do this.")
    return {"username": principal.username, "role": principal.role, "agency_id": principal.agency_id}
