"""Back-pressure: an overloaded process answers 503 with Retry-After at once instead of letting requests time out.

Two limits, both per process: the number of requests in flight (`PHANANH_MAX_IN_FLIGHT`, checked before any
work), and the wait for a database connection (`PHANANH_POOL_TIMEOUT`: SQLAlchemy raises TimeoutError when
the pool stays exhausted that long). The citizen app then retries with the same Idempotency-Key, so a retried
report is never made twice.
"""

from __future__ import annotations

import json
import logging
import socket

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from phananh.errors import error_body
from phananh.i18n import gettext, pick_language

log = logging.getLogger("phananh")
BUSY_MESSAGE = "The service is busy; please try again in a moment."
# PostgreSQL refusing a connection because it is full or starting (too_many_connections, cannot_connect_now):
# overload too, not a bug.
BUSY_SQLSTATES = {"53300", "57P03"}
UNREACHABLE_MESSAGE = "The database cannot be reached for a moment; please try again shortly."
# Shutting down or gone (admin_shutdown, crash_shutdown), and the connection_exception class (08...).
UNREACHABLE_SQLSTATES = {"57P01", "57P02"}
# Long-lived streams (server-sent events) stay open for minutes: they are not load to shed.
UNLIMITED_SUFFIXES = ("/stream", "/health")


def database_unreachable(exc: BaseException) -> bool:
    """The database is restarting or gone (not a bug of this request): refused or lost connections, whether
    SQLAlchemy wrapped them (a pooled connection found dead: `connection_invalidated`) or the driver's connect
    raised them raw (asyncpg's ConnectionRefusedError, CannotConnectNowError while PostgreSQL starts)."""
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        exc = exc.orig if exc.orig is not None else exc
        # SQLAlchemy's asyncpg adapter keeps the driver's own error as __cause__
        exc = exc.__cause__ if exc.__cause__ is not None and not getattr(exc, "sqlstate", None) else exc
    sqlstate = getattr(exc, "sqlstate", None) or ""
    if sqlstate in UNREACHABLE_SQLSTATES or sqlstate in BUSY_SQLSTATES or sqlstate.startswith("08"):
        return True
    if isinstance(exc, ConnectionError | socket.gaierror):  # refused, reset, broken pipe; its host name unresolved
        return True
    # A host name with several addresses (IPv6 and IPv4): asyncio joins each address's refusal into one OSError.
    if type(exc) is OSError and str(exc).startswith("Multiple exceptions: ") and "Connect call failed" in str(exc):
        return True
    try:
        import asyncpg
    except ImportError:  # SQLite installs may not have the PostgreSQL driver
        return False
    if isinstance(exc, asyncpg.exceptions.ConnectionDoesNotExistError | asyncpg.exceptions.CannotConnectNowError):
        return True
    return isinstance(exc, asyncpg.exceptions.InterfaceError) and "connection is closed" in str(exc)


def unreachable_response(request: Request, retry_after: int) -> Response:
    """503 + Retry-After in the request's language; the client retries (a submit with its Idempotency-Key)."""
    log.warning("database unreachable: %s %s answered 503", request.method, request.url.path)
    return unavailable_response(request, "database_unavailable", UNREACHABLE_MESSAGE, retry_after)


def unavailable_response(request: Request, code: str, message: str, retry_after: int) -> Response:
    """The JSON error for API and Open311 clients; a browser asking for a page gets a page (phananh.web.unavailable),
    rendered without the database."""
    from phananh.web.unavailable import unavailable_page, wants_page  # the web layer, on this rare path only

    if wants_page(request):
        return unavailable_page(request, message=message, retry_after=retry_after)
    return JSONResponse(error_body(code, gettext(message)), 503, headers={"Retry-After": str(retry_after)})


class InFlightLimit:
    """Pure ASGI middleware (no per-request task, unlike `@app.middleware`): sheds requests above `limit`."""

    def __init__(self, app, *, limit: int, retry_after: int):
        self.app, self.limit, self.retry_after = app, limit, str(retry_after)
        self.in_flight = 0

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"].endswith(UNLIMITED_SUFFIXES):
            return await self.app(scope, receive, send)
        if self.in_flight >= self.limit:
            return await self._busy(scope, send)
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1

    async def _busy(self, scope, send) -> None:
        headers = dict(scope.get("headers") or ())
        query = scope.get("query_string", b"").decode("latin-1")
        explicit = next((p[5:] for p in query.split("&") if p.startswith("lang=")), None)
        lang = pick_language(headers.get(b"accept-language", b"").decode("latin-1"), explicit)
        body = json.dumps(error_body("overloaded", gettext(BUSY_MESSAGE, lang)), ensure_ascii=False).encode()
        await send({"type": "http.response.start", "status": 503, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
            (b"retry-after", self.retry_after.encode()),
        ]})
        await send({"type": "http.response.body", "body": body})


def install_backpressure(app: FastAPI, *, max_in_flight: int, retry_after: int) -> None:
    """Shed load above `max_in_flight` requests per process (0: no limit); a pool timeout or a database that
    refuses connections (full, starting) is a 503 too."""

    @app.exception_handler(PoolTimeout)
    async def _pool_exhausted(request: Request, _exc: PoolTimeout):
        return unavailable_response(request, "overloaded", BUSY_MESSAGE, retry_after)

    @app.exception_handler(DBAPIError)
    async def _database_error(request: Request, exc: DBAPIError):
        if getattr(exc.orig, "sqlstate", None) in BUSY_SQLSTATES:
            return unavailable_response(request, "overloaded", BUSY_MESSAGE, retry_after)
        if database_unreachable(exc):
            return unreachable_response(request, retry_after)
        log.error("database error", exc_info=exc)
        return JSONResponse(error_body("internal_error", gettext("An unexpected error occurred.")), 500)

    # A connection the driver could not open at all is raised unwrapped (PostgreSQL stopped or restarting):
    # ConnectionRefusedError, a host name that no longer resolves (gaierror), or asyncpg's own errors
    # (CannotConnectNowError while it starts).
    async def _unwrapped(request: Request, exc: Exception):
        if database_unreachable(exc):
            return unreachable_response(request, retry_after)
        log.error("unexpected error", exc_info=exc)
        return JSONResponse(error_body("internal_error", gettext("An unexpected error occurred.")), 500)

    unwrapped: list[type[Exception]] = [ConnectionError, socket.gaierror]
    try:
        import asyncpg

        unwrapped += [asyncpg.exceptions.PostgresError, asyncpg.exceptions.InterfaceError]
    except ImportError:  # an install without the PostgreSQL driver
        pass
    for cls in unwrapped:
        app.add_exception_handler(cls, _unwrapped)

    if max_in_flight > 0:
        app.add_middleware(InFlightLimit, limit=max_in_flight, retry_after=retry_after)


__all__ = ["InFlightLimit", "database_unreachable", "install_backpressure"]
