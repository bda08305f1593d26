from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, StringConstraints

from phananh.api.deps import AppSettings, CurrentPrincipal, Engine
from phananh.auth import service
from phananh.errors import ApiError

router = APIRouter(prefix="/auth", tags=["auth"])


class LoginIn(BaseModel):
    username: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class UserOut(BaseModel):
    username: str
    full_name: str
    role: str


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


@router.post("/login", response_model=TokenOut)
async def login(body: LoginIn, engine: Engine, settings: AppSettings):
    """Staff sign-in: username and password → bearer token."""
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
