"""The same rules on every server (issue 13 part 3): a calendar change made through server A is used by server B's
very next deadline, and a directory change is visible on B within 1 s.

A and B are two apps with engines of their own on one database, as two processes would be; the process-local
cache clearing is switched off, so that only the rules version (and on PostgreSQL its NOTIFY) carries the change.
"""

from __future__ import annotations

import asyncio
import time
from datetime import date, datetime, timezone

import httpx
import pytest

from phananh.app import create_app
from phananh.db import create_engine
from tests.conftest import DEMO_PASSWORD, Clock
from tests.support import report_body

WEDNESDAY = date(2030, 10, 16)  # an ordinary working day: no holiday in October
AT = datetime(2030, 10, 16, 2, 15, tzinfo=timezone.utc)  # 09:15 in Cà Mau


@pytest.fixture
async def servers(settings, monkeypatch):
    from phananh.directory import manage
    from phananh.sla import service as sla_service

    # What a second process would not get: this process's own cache clearing.
    monkeypatch.setattr(sla_service, "invalidate", lambda: None)
    monkeypatch.setattr(manage, "invalidate", lambda: None)
    apps, clients = [], []
    for _ in range(2):
        app = create_app(settings)
        app.state.engine = create_engine(settings.database_url)
        app.state.clock = Clock()
        app.state.clock.set(AT)
        apps.append(app)
        clients.append(httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver"))
    yield apps, clients
    for app, client in zip(apps, clients):
        await client.aclose()
        from phananh.ops import rules

        await rules.stop(app.state.engine)
        await app.state.engine.dispose()


async def _distribute_due(client) -> str:
    r = await client.post("/api/v1/reports", json=report_body())
    assert r.status_code == 201, r.text
    return next(d["due_at"] for d in r.json()["deadlines"] if d["stage"] == "distribute")


async def _admin(client) -> dict:
    r = await client.post("/api/v1/auth/login", json={"username": "admin", "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def test_a_calendar_change_on_a_is_used_by_b_at_once(servers):
    (_, _), (a, b) = servers
    assert (await _distribute_due(b)).startswith("2030-10-16T11:15")  # working day: 2 h; B's cache is warm
    admin = await _admin(a)
    r = await a.post("/api/v1/admin/calendar", headers=admin,
                     json={"day": WEDNESDAY.isoformat(), "kind": "day_off", "name": "Nghỉ bù bão"})
    assert r.status_code in (200, 201), r.text
    try:
        assert (await _distribute_due(b)).startswith("2030-10-16T21:15")  # at once: the day-off limit, 12 h
    finally:
        r = await a.delete(f"/api/v1/admin/calendar/{WEDNESDAY.isoformat()}", headers=admin)
        assert r.status_code == 200, r.text
    assert (await _distribute_due(b)).startswith("2030-10-16T11:15")


async def test_an_sla_policy_change_on_a_is_used_by_b_at_once(servers):
    (_, _), (a, b) = servers
    admin = await _admin(a)
    assert (await _distribute_due(b)).startswith("2030-10-16T11:15")
    policy = (await a.get("/api/v1/admin/sla-policy", headers=admin)).json()
    changed = {k: policy[k] for k in ("mode", "limits", "urgent_limits", "at_risk_fraction") if k in policy}
    original = {**changed, "limits": {k: dict(v) for k, v in changed["limits"].items()}}
    changed["limits"]["distribute"] = {**changed["limits"]["distribute"], "working_day": 180}
    r = await a.put("/api/v1/admin/sla-policy", headers=admin, json=changed)
    assert r.status_code == 200, r.text
    try:
        assert (await _distribute_due(b)).startswith("2030-10-16T12:15")  # 3 h now
    finally:
        assert (await a.put("/api/v1/admin/sla-policy", headers=admin, json=original)).status_code == 200


async def test_a_directory_change_reaches_b_within_a_second(servers):
    from phananh.directory import manage

    (app_a, _), (_, b) = servers
    before = {c["code"]: c for c in (await b.get("/api/v1/categories")).json()["items"]}  # B's cache is warm
    category = before["giao-thong"]
    renamed = category["name_vi"] + " (đã đổi)"

    async def rename(name_vi: str) -> None:
        async with app_a.state.engine.begin() as conn:  # what the admin page does on A
            await manage.save_category(conn, code="giao-thong", name_vi=name_vi, name_en=category["name_en"],
                                       hint_vi=category["hint"], group_code=category["group"], new=False)

    await rename(renamed)
    try:
        started = time.monotonic()
        while True:
            names = {c["code"]: c["name_vi"] for c in (await b.get("/api/v1/categories")).json()["items"]}
            if names["giao-thong"] == renamed:
                break
            assert time.monotonic() - started < 1.0, "B still shows the old name after 1 s"
            await asyncio.sleep(0.05)
    finally:
        await rename(category["name_vi"])


async def test_on_postgresql_the_push_alone_carries_the_change(servers, backend, monkeypatch):
    """With the safety-net check a minute apart, B still gets the change: NOTIFY reached its listener."""
    if backend != "postgres":
        pytest.skip("SQLite has no push: it reads the version on every use")
    from phananh.ops import rules

    monkeypatch.setattr(rules, "check_seconds", 60.0)
    (_, _), (a, b) = servers
    assert (await _distribute_due(b)).startswith("2030-10-16T11:15")
    await asyncio.sleep(0.3)  # B's listener is connected (which marks everything stale once)...
    assert (await _distribute_due(b)).startswith("2030-10-16T11:15")  # ...and B has read the versions again
    admin = await _admin(a)
    r = await a.post("/api/v1/admin/calendar", headers=admin,
                     json={"day": WEDNESDAY.isoformat(), "kind": "day_off", "name": "Nghỉ bù bão"})
    assert r.status_code in (200, 201), r.text
    try:
        assert (await _distribute_due(b)).startswith("2030-10-16T21:15")
    finally:
        assert (await a.delete(f"/api/v1/admin/calendar/{WEDNESDAY.isoformat()}", headers=admin)).status_code == 200
