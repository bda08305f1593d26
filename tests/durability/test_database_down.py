"""PostgreSQL unreachable (stopped, restarting): every request that needs it answers 503 with Retry-After and a JSON
error in the client's language at once, never a 500 or a hang (the topology test shows the restart itself)."""

from __future__ import annotations

import time

import httpx

from phananh.app import create_app
from phananh.config import Settings
from phananh.db import create_engine
from tests.ops.test_health import closed_port
from tests.support import report_body


async def test_requests_answer_503_with_retry_after_while_the_database_is_unreachable(tmp_path):
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port()}/nothing"
    app = create_app(Settings(database_url=url, media_dir=tmp_path, var_dir=tmp_path, retry_after_seconds=3))
    app.state.engine = create_engine(url)
    try:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            started = time.monotonic()
            submit = await c.post("/api/v1/reports", json=report_body())
            listed = await c.get("/api/v1/categories", headers={"Accept-Language": "en"})
            took = time.monotonic() - started
    finally:
        await app.state.engine.dispose()
    assert took < 5, f"answers took {took:.1f} s with the database unreachable"
    for r in (submit, listed):
        assert r.status_code == 503, f"{r.request.url.path}: {r.status_code} {r.text}"
        assert r.headers["retry-after"] == "3"
        assert r.json()["error"]["code"] == "database_unavailable"
    assert submit.json()["error"]["message"] == \
        "Tạm thời không kết nối được cơ sở dữ liệu; vui lòng thử lại sau giây lát."
    assert listed.json()["error"]["message"] == \
        "The database cannot be reached for a moment; please try again shortly."
