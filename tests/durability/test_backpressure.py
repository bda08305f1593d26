"""Back-pressure: an overloaded server answers 503 with Retry-After at once, never a timeout (issue 7)."""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
import pytest
from fastapi import FastAPI

from phananh.app import create_app
from phananh.db import create_engine
from phananh.server.backpressure import InFlightLimit
from tests.support import report_body


def held_app(release: asyncio.Event) -> FastAPI:
    """An app whose requests wait until `release` is set: requests in flight, on demand."""
    app = FastAPI()

    @app.get("/api/v1/slow")
    async def slow():
        await release.wait()
        return {"ok": True}

    return app


async def test_a_process_at_its_in_flight_limit_sheds_the_next_request_at_once():
    release = asyncio.Event()
    app = InFlightLimit(held_app(release), limit=2, retry_after=3)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        held = [asyncio.create_task(client.get("/api/v1/slow")) for _ in range(2)]
        await asyncio.sleep(0.05)
        started = time.monotonic()
        shed = await client.get("/api/v1/slow")
        assert time.monotonic() - started < 0.5
        assert shed.status_code == 503
        assert shed.headers["retry-after"] == "3"
        assert shed.json()["error"]["code"] == "overloaded"
        assert shed.json()["error"]["message"] == "Hệ thống đang quá tải; vui lòng thử lại sau giây lát."
        english = await client.get("/api/v1/slow", headers={"Accept-Language": "en"})
        assert english.json()["error"]["message"] == "The service is busy; please try again in a moment."

        release.set()
        assert [r.status_code for r in await asyncio.gather(*held)] == [200, 200]
        assert (await client.get("/api/v1/slow")).status_code == 200  # capacity is back


async def test_submit_gets_503_with_retry_after_when_no_database_connection_frees_up(db_url, settings):
    if db_url.startswith("sqlite"):
        pytest.skip("the connection pool is sized for PostgreSQL; SQLite writers queue on its lock instead")
    engine = create_engine(db_url, pool_size=1, max_overflow=0, pool_timeout=0.2)
    app = create_app(settings.model_copy(update={"retry_after_seconds": 2}))
    app.state.engine = engine
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            body, key = report_body(), {"Idempotency-Key": f"bp-{uuid.uuid4().hex}"}
            async with engine.connect():  # the only connection is busy
                started = time.monotonic()
                busy = await client.post("/api/v1/reports", json=body, headers=key)
                assert time.monotonic() - started < 2
                assert busy.status_code == 503
                assert busy.headers["retry-after"] == "2"
                assert busy.json()["error"]["code"] == "overloaded"
            # The citizen app retries with the same key once there is room: the report is made once.
            retried = await client.post("/api/v1/reports", json=body, headers=key)
            assert retried.status_code == 201
            again = await client.post("/api/v1/reports", json=body, headers=key)
            assert (again.status_code, again.json()["id"]) == (200, retried.json()["id"])
    finally:
        await engine.dispose()


class _PgError(Exception):
    def __init__(self, sqlstate: str):
        self.sqlstate = sqlstate


async def test_a_full_database_is_answered_as_busy_and_other_database_errors_as_500():
    from sqlalchemy.exc import DBAPIError

    from phananh.server.backpressure import install_backpressure

    app = FastAPI()
    install_backpressure(app, max_in_flight=0, retry_after=4)

    @app.get("/api/v1/fails/{sqlstate}")
    async def fails(sqlstate: str):
        raise DBAPIError("SELECT 1", None, _PgError(sqlstate))

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        full = await client.get("/api/v1/fails/53300")  # too_many_connections
        assert (full.status_code, full.headers["retry-after"]) == (503, "4")
        broken = await client.get("/api/v1/fails/42P01")  # undefined_table: a bug, not load
        assert broken.status_code == 500 and "retry-after" not in broken.headers
