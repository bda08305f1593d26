"""GET /health answers while the process lives; GET /ready names the part that cannot serve (issue 13 part 8)."""

from __future__ import annotations

import socket
import time

import httpx

from phananh.app import create_app
from phananh.config import Settings
from phananh.db import create_engine


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket is closed


async def _client_for(app):
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def test_health_answers_without_checking_anything(client):
    r = await client.get("/health")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"


async def test_ready_when_database_and_media_answer(client):
    r = await client.get("/ready")
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "ready", "checks": {"database": "ok", "media": "ok"}}


async def test_ready_is_503_naming_the_database_when_it_is_down(tmp_path):
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port()}/nothing"
    settings = Settings(database_url=url, media_dir=tmp_path, var_dir=tmp_path, ready_timeout_seconds=1.0)
    app = create_app(settings)
    app.state.engine = create_engine(url)
    try:
        async with await _client_for(app) as c:
            started = time.monotonic()
            r = await c.get("/ready")
            assert time.monotonic() - started < 3
            assert (await c.get("/health")).status_code == 200  # alive, not ready
    finally:
        await app.state.engine.dispose()
    assert r.status_code == 503
    assert r.headers["retry-after"]
    body = r.json()
    assert body["status"] == "not_ready"
    assert body["checks"]["database"].startswith("error")
    assert body["checks"]["media"] == "ok"


async def test_ready_is_503_naming_redis_when_configured_and_down(settings, engine, tmp_path):
    s = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{closed_port()}/0", "media_dir": tmp_path})
    app = create_app(s)
    app.state.engine = engine
    async with await _client_for(app) as c:
        r = await c.get("/ready")
    assert r.status_code == 503
    assert r.json()["checks"]["redis"].startswith("error")
    assert r.json()["checks"]["database"] == "ok"


async def test_ready_with_redis_up(settings, engine, tmp_path):
    s = settings.model_copy(update={"redis_url": "redis://127.0.0.1:6379/0", "media_dir": tmp_path})
    app = create_app(s)
    app.state.engine = engine
    async with await _client_for(app) as c:
        r = await c.get("/ready")
    assert r.status_code == 200, r.text
    assert r.json()["checks"]["redis"] == "ok"


async def test_ready_is_503_when_the_media_folder_is_gone(settings, engine, tmp_path):
    app = create_app(settings.model_copy(update={"media_dir": tmp_path / "missing"}))
    app.state.engine = engine
    async with await _client_for(app) as c:
        r = await c.get("/ready")
    assert r.status_code == 503
    assert "missing" in r.json()["checks"]["media"]


async def test_a_hanging_check_does_not_hang_ready(settings, engine, tmp_path):
    import asyncio

    from phananh.ops.health import register_check

    async def hangs(_request):
        await asyncio.sleep(30)

    app = create_app(settings.model_copy(update={"ready_timeout_seconds": 0.3}))
    app.state.engine = engine
    register_check(app, "s3", hangs)
    async with await _client_for(app) as c:
        started = time.monotonic()
        r = await c.get("/ready")
    assert time.monotonic() - started < 2
    assert r.status_code == 503
    assert r.json()["checks"]["s3"].startswith("error: no answer")
