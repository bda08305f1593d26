from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from phananh.auth.principal import ANONYMOUS, Principal
from phananh.auth.service import principal_for_token
from phananh.config import Settings
from phananh.db import reading
from phananh.errors import ApiError
from phananh.server.cookies import CSRF_HEADER, SESSION_COOKIE, csrf_matches, read_cookie
from phananh.workflow import Role


# The dependencies are `async def` though they never wait: FastAPI runs a plain `def` dependency in a worker
# thread, a hop that cost every request ~0.3 ms of the event loop's time (issue 7's profile).
async def get_engine(request: Request) -> AsyncEngine:
    return request.app.state.engine


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_now(request: Request) -> datetime:
    """The current instant; tests may replace `app.state.clock` to control time."""
    return request.app.state.clock()


async def read_conn(engine: Annotated[AsyncEngine, Depends(get_engine)]) -> AsyncIterator[AsyncConnection]:
    """A connection for a read-only request."""
    async with reading(engine) as conn:
        yield conn


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_principal(request: Request, engine: Annotated[AsyncEngine, Depends(get_engine)]) -> Principal:
    """Who calls: a bearer token in Authorization, else the web session cookie; nobody without either.

    A browser sends the cookie by itself, also when another site makes it post a form here: a write that relies
    on the cookie must carry the session's CSRF token in `X-CSRF-Token` (the pages put it in a meta tag)."""
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    if not token and (cookie := read_cookie(request, SESSION_COOKIE)):
        token, scheme = cookie, "bearer"
        if request.method not in SAFE_METHODS and not csrf_matches(
                request.app.state.settings.secret_key, cookie, request.headers.get(CSRF_HEADER)):
            raise ApiError(403, "csrf_failed", "This request needs the page's security token (X-CSRF-Token). "
                                               "Reload the page and try again.")
    if not token:
        return ANONYMOUS
    if scheme.lower() != "bearer":
        raise ApiError(401, "unauthorized", "Use a bearer token.", headers={"WWW-Authenticate": "Bearer"})
    async with reading(engine) as conn:
        principal = await principal_for_token(conn, token.strip(), request.app.state.settings)
    if principal is None:
        raise ApiError(401, "invalid_token", "The sign-in has expired or is not valid; sign in again.",
                       headers={"WWW-Authenticate": "Bearer"})
    if principal.mfa_pending and request.url.path not in MFA_ENROLMENT_PATHS:
        raise ApiError(403, "mfa_enrolment_required",
                       "Set up the second factor first (POST /api/v1/auth/mfa/totp/setup, then /confirm).")
    return principal


# All that a staff member who must enrol a second factor and has not yet may call (issue 11).
MFA_ENROLMENT_PATHS = frozenset({"/api/v1/auth/mfa/totp/setup", "/api/v1/auth/mfa/totp/confirm",
                                 "/api/v1/auth/logout", "/api/v1/auth/me"})


def require_roles(*roles: Role):
    async def _check(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        if principal.role == Role.anonymous:
            raise ApiError(401, "unauthorized", "Sign in to do this.", headers={"WWW-Authenticate": "Bearer"})
        if principal.role not in roles:
            raise ApiError(403, "forbidden", "Your role may not do this.")
        return principal

    return _check


Engine = Annotated[AsyncEngine, Depends(get_engine)]
ReadConn = Annotated[AsyncConnection, Depends(read_conn)]
CurrentPrincipal = Annotated[Principal, Depends(get_principal)]
Now = Annotated[datetime, Depends(get_now)]
AppSettings = Annotated[Settings, Depends(get_settings)]
