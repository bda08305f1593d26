"""`GET /health` (the process lives) and `GET /ready` (it can serve: database, Redis, media store).

The balancer takes a server out while `/ready` answers 503. Every check has its own timeout, and all run at
once, so `/ready` answers within about `ready_timeout_seconds` however a dependency fails.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from phananh import __version__

Check = Callable[[Request], Awaitable[None]]  # raises when the part it checks cannot serve
router = APIRouter(tags=["meta"])


async def check_database(request: Request) -> None:
    async with request.app.state.engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


async def check_redis(request: Request) -> None:
    import redis.asyncio as redis

    client = redis.from_url(request.app.state.settings.redis_url, socket_connect_timeout=1, socket_timeout=1)
    try:
        await client.ping()
    finally:
        await client.aclose()


async def check_media(request: Request) -> None:
    """The local media folder exists and takes a file (an object store registers its own check)."""
    media = request.app.state.settings.media_dir

    def probe() -> None:
        if not media.is_dir():
            raise FileNotFoundError(f"{media} is missing")
        with tempfile.NamedTemporaryFile(dir=media, prefix=".ready-"):
            pass
        if not os.access(media, os.W_OK):
            raise PermissionError(f"{media} is not writable")

    await asyncio.to_thread(probe)


def default_checks(settings) -> dict[str, Check]:
    checks: dict[str, Check] = {"database": check_database}
    if settings.redis_url:
        checks["redis"] = check_redis
    checks["media"] = check_media
    return checks


def register_check(app, name: str, check: Check) -> None:
    """Add (or replace) a readiness check, e.g. an S3 media store's."""
    app.state.ready_checks[name] = check


async def _run(check: Check, request: Request, timeout: float) -> str:
    try:
        await asyncio.wait_for(check(request), timeout)
        return "ok"
    except TimeoutError:
        return f"error: no answer within {timeout:g} s"
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready", named in the answer
        reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        return f"error: {reason}"


@router.get("/health")
async def health():
    """The process lives (no dependency is checked): the balancer's liveness probe."""
    return {"status": "ok", "version": __version__}


_NOT_READY = {
    "description": "Not ready: `checks` names the part that failed (or, shedding load, the JSON error body).",
    "content": {"application/json": {"schema": {"anyOf": [
        {"type": "object", "required": ["status", "checks"],
         "properties": {"status": {"type": "string"}, "checks": {"type": "object"}}},
        {"$ref": "#/components/schemas/ErrorOut"},
    ]}}},
}


@router.get("/ready", responses={503: _NOT_READY})
async def ready(request: Request):
    """200 when the database, Redis (when configured) and the media store answer; else 503 naming what failed."""
    settings = request.app.state.settings
    checks: dict[str, Check] = request.app.state.ready_checks
    names = list(checks)
    results = await asyncio.gather(*(_run(checks[n], request, settings.ready_timeout_seconds) for n in names))
    outcome = dict(zip(names, results))
    ok = all(r == "ok" for r in results)
    body = {"status": "ready" if ok else "not_ready", "checks": outcome}
    headers = None if ok else {"Retry-After": str(settings.retry_after_seconds)}
    return JSONResponse(body, status_code=200 if ok else 503, headers=headers)


def install(app) -> None:
    app.state.ready_checks = default_checks(app.state.settings)
    app.include_router(router)
