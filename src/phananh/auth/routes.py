import json
from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, StringConstraints, ValidationError

from phananh.api.deps import AppSettings, CurrentPrincipal, Engine
from phananh.api.openapi import document_models
from phananh.auth import service
from phananh.errors import ApiError, invalid_fields

router = APIRouter(prefix="/auth", tags=["auth"])


class LoginIn(BaseModel):
    username: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]


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


@router.post("/login", response_model=TokenOut, openapi_extra=_LOGIN_DOC)
async def login(request: Request, engine: Engine, settings: AppSettings):
    """Staff sign-in: username and password (JSON, or an OAuth2 password form) → bearer token."""
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        form = await request.form()
        raw = {k: form.get(k) for k in ("username", "password") if form.get(k) is not None}
    else:
        try:
            raw = json.loads(await request.body() or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise ApiError(400, "malformed_json", "The request body is not valid JSON.")
    try:
        body = LoginIn.model_validate(raw)
    except ValidationError as exc:
        raise invalid_fields(exc)
    async with engine.begin() as conn:
        return await service.login_staff(conn, username=body.username, password=body.password, settings=settings)


@router.post("/otp/request", response_model=OtpRequestOut, status_code=202)
async def otp_request(body: OtpRequestIn, engine: Engine, settings: AppSettings):
    """Citizen sign-in, step 1: a one-time code is sent to the phone by SMS."""
    async with engine.begin() as conn:
        return await service.request_otp(conn, phone=body.phone, settings=settings)


@router.post("/otp/verify", response_model=TokenOut)
async def otp_verify(body: OtpVerifyIn, engine: Engine, settings: AppSettings):
    """Citizen sign-in, step 2: the code → bearer token; the citizen's reports are theirs."""
    async with engine.begin() as conn:
        return await service.verify_otp(conn, phone=body.phone, code=body.code, settings=settings)


@router.get("/me", response_model=MeOut)
async def me(principal: CurrentPrincipal):
    if principal.user_id is None:
        raise ApiError(401, "unauthorized", "Sign in to do this.")
    return {"username": principal.username, "role": principal.role, "agency_id": principal.agency_id}
