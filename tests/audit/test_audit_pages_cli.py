"""The admin page of the tamper-evident record and `phananh audit head|verify` (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from phananh.audit.seal import head, seal
from phananh.reports.tables import events
from tests.support import submit
from tests.web.test_pages import sign_in

PHANANH = str(Path(sys.executable).parent / "phananh")
NOW = datetime(2026, 12, 2, 3, 0, tzinfo=timezone.utc)


@pytest.fixture
async def browser(app):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        yield c


def phananh(db_url, *args) -> subprocess.CompletedProcess:
    env = {**os.environ, "PHANANH_DATABASE_URL": db_url}
    return subprocess.run([PHANANH, "audit", *args], env=env, capture_output=True, text=True, timeout=120)


async def test_admin_page_shows_the_head_and_verifies_now(browser, client, engine):
    await submit(client)
    await seal(engine, now=NOW)
    newest = await head(engine)
    token = await sign_in(browser, "admin")
    overview = (await browser.get("/admin")).text
    assert 'href="/admin/nhat-ky"' in overview and "Toàn vẹn nhật ký sự kiện" in overview
    page = await browser.get("/admin/nhat-ky")
    assert page.status_code == 200
    assert newest.hash in page.text and "Đầu chuỗi" in page.text
    forged = await browser.post("/admin/nhat-ky", data={"csrf_token": "forged"})
    assert forged.status_code == 403
    r = await browser.post("/admin/nhat-ky", data={"csrf_token": token})
    assert r.status_code == 303
    after = (await browser.get("/admin/nhat-ky")).text
    assert "Đã kiểm tra: nhật ký nguyên vẹn." in after
    assert re.search(r'id="verify-result">Nhật ký nguyên vẹn\.<', after)
    assert "<dd>admin</dd>" in after


async def test_admin_page_names_the_altered_event_in_vietnamese(browser, client, engine):
    await submit(client)
    await seal(engine, now=NOW)
    victim = (await head(engine)).last_event_id
    token = await sign_in(browser, "admin")
    async with engine.begin() as conn:
        original = (await conn.execute(events.select().where(events.c.id == victim))).mappings().one()
        await conn.execute(update(events).where(events.c.id == victim).values(actor_role="admin"))
    try:
        await browser.post("/admin/nhat-ky", data={"csrf_token": token})
        page = (await browser.get("/admin/nhat-ky")).text
        assert f"Sự kiện {victim} đã bị sửa" in page and "Phát hiện sai lệch" in page
    finally:
        async with engine.begin() as conn:
            await conn.execute(update(events).where(events.c.id == victim).values(actor_role=original["actor_role"]))


async def test_only_admins_open_the_audit_page(browser):
    await sign_in(browser, "dispatcher")
    assert (await browser.get("/admin/nhat-ky")).status_code == 303


async def test_cli_head_and_verify(client, engine, db_url):
    await submit(client)
    await seal(engine, now=NOW)
    newest = await head(engine)
    out = phananh(db_url, "head")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == (f"{newest.hash} 2026-12-02T10:00:00+07:00 block {newest.id} "
                                  f"events ≤ {newest.last_event_id}")
    ok = phananh(db_url, "verify", "--published", newest.hash)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.startswith("OK: ") and newest.hash in ok.stdout
    assert phananh(db_url, "verify", "--published", "not-a-hash").returncode == 2
    async with engine.begin() as conn:
        original = (await conn.execute(events.select().where(events.c.id == newest.last_event_id))).mappings().one()
        await conn.execute(update(events).where(events.c.id == newest.last_event_id).values(to_status="closed"))
    try:
        bad = phananh(db_url, "verify")
        assert bad.returncode == 1
        assert f"FAILED: Event {newest.last_event_id} was altered" in bad.stdout
    finally:
        async with engine.begin() as conn:
            await conn.execute(update(events).where(events.c.id == newest.last_event_id)
                               .values(to_status=original["to_status"]))
