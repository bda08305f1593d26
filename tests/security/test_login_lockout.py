"""Staff login lockout (issue 11), on SQLite and PostgreSQL: 5 wrong passwords in 15 minutes lock the account
for 15 minutes, doubling each time, the right password gets 429 meanwhile; the lock lives in the database, so it
survives a restart and binds every server process; per client IP at most 30 failures an hour; an admin unlocks
(CLI or admin page), and locks and unlocks are recorded."""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, update

from phananh.app import create_app
from phananh.auth import security_log, service
from phananh.auth.tables import users
from phananh.db import create_engine, utcnow
from tests.conftest import DEMO_PASSWORD
from tests.live_server import start_server, stop_server

PASSWORD = "mat-khau-can-bo-2026"
LOGIN = "/api/v1/auth/login"
_ips = itertools.count(1)


def client_for(app, ip: str | None = None) -> httpx.AsyncClient:
    """A client from its own address: the per-IP failure budget of one test does not spill into another's."""
    ip = ip or f"10.11.{next(_ips) // 250}.{next(_ips) % 250 + 1}"
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(ip, 40000)), base_url="http://testserver")


async def new_staff(engine, role: str = "dispatcher") -> str:
    username = f"canbo-{uuid.uuid4().hex[:8]}"
    async with engine.begin() as conn:
        await service.create_user(conn, username=username, password=PASSWORD, role=role)
    return username


async def fail(c, username: str, n: int) -> list[httpx.Response]:
    return [await c.post(LOGIN, json={"username": username, "password": "sai-mat-khau-roi"}) for _ in range(n)]


async def expire_lock(engine, username: str) -> None:
    """Let the running lock end (as if its 15 minutes had passed)."""
    async with engine.begin() as conn:
        await conn.execute(update(users).where(users.c.username == username)
                           .values(locked_until=utcnow() - timedelta(seconds=1)))


async def test_five_wrong_passwords_lock_the_account_and_then_even_the_right_one_gets_429(app, engine):
    username = await new_staff(engine)
    async with client_for(app) as c:
        first = await fail(c, username, 4)
        assert [r.status_code for r in first] == [401] * 4
        assert {r.json()["error"]["code"] for r in first} == {"invalid_credentials"}
        fifth = (await fail(c, username, 1))[0]
        assert fifth.status_code == 429 and fifth.json()["error"]["code"] == "account_locked"
        assert 14 * 60 < int(fifth.headers["retry-after"]) <= 15 * 60
        right = await c.post(LOGIN, json={"username": username, "password": PASSWORD})
        assert right.status_code == 429, right.text
        body = right.json()["error"]
        assert body["code"] == "account_locked" and "15 phút" in body["message"]  # Vietnamese by default
        assert 14 * 60 < int(right.headers["retry-after"]) <= 15 * 60
    async with engine.connect() as conn:
        events = await security_log.events_of(conn, username)
    assert [e["action"] for e in events] == ["account_locked"]
    assert events[0]["details"]["minutes"] == 15 and events[0]["ip"]


async def test_failures_spread_over_more_than_15_minutes_do_not_lock(app, engine):
    username = await new_staff(engine)
    async with client_for(app) as c:
        await fail(c, username, 4)
        async with engine.begin() as conn:  # the window of those four began 16 minutes ago
            await conn.execute(update(users).where(users.c.username == username)
                               .values(first_failed_at=utcnow() - timedelta(minutes=16)))
        assert [r.status_code for r in await fail(c, username, 4)] == [401] * 4
        assert (await c.post(LOGIN, json={"username": username, "password": PASSWORD})).status_code == 200


async def test_each_new_lock_lasts_twice_as_long_and_a_good_sign_in_starts_over(app, engine):
    username = await new_staff(engine)
    async with client_for(app) as c:
        retry = []
        for _ in range(3):
            locked = (await fail(c, username, 5))[-1]
            assert locked.status_code == 429
            retry.append(int(locked.headers["retry-after"]))
            await expire_lock(engine, username)
        assert [round(s / 60) for s in retry] == [15, 30, 60]
        assert (await c.post(LOGIN, json={"username": username, "password": PASSWORD})).status_code == 200
        again = (await fail(c, username, 5))[-1]
        assert round(int(again.headers["retry-after"]) / 60) == 15


async def test_concurrent_wrong_passwords_are_all_counted_and_lock_once(app, engine):
    username = await new_staff(engine)
    async with client_for(app) as c:
        answers = await asyncio.gather(*[
            c.post(LOGIN, json={"username": username, "password": f"sai-{i}-mat-khau"}) for i in range(8)])
    codes = sorted(r.status_code for r in answers)
    assert codes.count(401) == 4 and codes.count(429) == 4, codes
    async with engine.connect() as conn:
        row = (await conn.execute(select(users.c.lock_count, users.c.locked_until)
                                  .where(users.c.username == username))).one()
        events = await security_log.events_of(conn, username)
    assert row.lock_count == 1 and row.locked_until > utcnow()
    assert [e["action"] for e in events] == ["account_locked"]


async def test_the_lock_survives_a_restart_and_binds_another_server_instance(app, engine, settings):
    username = await new_staff(engine)
    async with client_for(app) as c:
        await fail(c, username, 5)
    # A new application with its own engine on the same database: a restarted or a second server process.
    other_engine = create_engine(settings.database_url)
    other = create_app(settings)
    other.state.engine = other_engine
    try:
        async with client_for(other) as c:
            r = await c.post(LOGIN, json={"username": username, "password": PASSWORD})
            assert r.status_code == 429 and r.json()["error"]["code"] == "account_locked"
    finally:
        await other_engine.dispose()


@pytest.mark.slow
def test_two_server_worker_processes_share_the_lock(db_url, engine, tmp_path):
    username = asyncio.run(_new_staff_on(db_url))
    server = start_server(db_url, tmp_path, workers=2, timeout=180)  # a busy machine starts slowly
    try:
        # New connections each time: the two processes of `--workers 2` take turns accepting them.
        for i in range(5):
            with httpx.Client(base_url=server.url, timeout=30) as c:
                r = c.post(LOGIN, json={"username": username, "password": f"sai-{i}-mat-khau"})
            assert r.status_code == (429 if i == 4 else 401), r.text
        for _ in range(6):
            with httpx.Client(base_url=server.url, timeout=30) as c:
                r = c.post(LOGIN, json={"username": username, "password": PASSWORD})
            assert r.status_code == 429, r.text
    finally:
        stop_server(server)


async def _new_staff_on(url: str) -> str:
    engine = create_engine(url)
    try:
        return await new_staff(engine)
    finally:
        await engine.dispose()


async def test_one_client_ip_gets_at_most_30_failed_sign_ins_an_hour(app, engine):
    username = await new_staff(engine)
    async with client_for(app, "10.99.0.1") as c:
        for i in range(30):  # unknown accounts: only the IP's budget counts them
            r = await c.post(LOGIN, json={"username": f"khong-co-{i}", "password": "sai-mat-khau-roi"})
            assert r.status_code == 401, (i, r.text)
        refused = await c.post(LOGIN, json={"username": username, "password": PASSWORD})
        assert refused.status_code == 429 and refused.json()["error"]["code"] == "rate_limited"
        assert int(refused.headers["retry-after"]) > 0
    async with client_for(app, "10.99.0.2") as elsewhere:
        assert (await elsewhere.post(LOGIN, json={"username": username, "password": PASSWORD})).status_code == 200


def _phananh(db_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PHANANH_DATABASE_URL": db_url}
    return subprocess.run([str(Path(sys.executable).parent / "phananh"), *args], env=env, capture_output=True,
                          text=True, timeout=120)


async def test_an_admin_unlocks_from_the_command_line_and_it_is_recorded(app, engine, db_url):
    username = await new_staff(engine)
    async with client_for(app) as c:
        await fail(c, username, 5)
        listed = await asyncio.to_thread(_phananh, db_url, "user", "locked")
        assert username in listed.stdout, listed.stderr
        done = await asyncio.to_thread(_phananh, db_url, "user", "unlock", username)
        assert done.returncode == 0 and f"User {username} unlocked." in done.stdout, done.stderr
        assert (await c.post(LOGIN, json={"username": username, "password": PASSWORD})).status_code == 200
    missing = await asyncio.to_thread(_phananh, db_url, "user", "unlock", "khong-co-ai-ten-nay")
    assert missing.returncode == 1 and "khong-co-ai-ten-nay" in missing.stderr
    async with engine.connect() as conn:
        events = await security_log.events_of(conn, username)
    assert [e["action"] for e in events] == ["account_locked", "account_unlocked"]
    assert events[1]["actor"].startswith("cli") and events[1]["details"] == {"was_locked": True}


TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


async def test_an_admin_unlocks_on_the_users_page_and_it_is_recorded(app, engine):
    username = await new_staff(engine)
    async with client_for(app) as c:
        await fail(c, username, 5)
    async with client_for(app) as browser:
        token = TOKEN.search((await browser.get("/dang-nhap")).text).group(1)
        r = await browser.post("/dang-nhap", data={"csrf_token": token, "username": "admin", "password": DEMO_PASSWORD})
        assert r.status_code == 303, r.text[:300]
        page = await browser.get("/admin/nguoi-dung")
        assert page.status_code == 200 and "Tài khoản đang bị khóa" in page.text and username in page.text
        token = TOKEN.search(page.text).group(1)
        r = await browser.post("/admin/nguoi-dung/mo-khoa", data={"csrf_token": token, "username": username})
        assert r.status_code == 303
        page = await browser.get("/admin/nguoi-dung")
        assert f"Đã mở khóa tài khoản {username}." in page.text
        assert 'id="locked-accounts"' not in page.text or username not in page.text.split('id="locked-accounts"')[1].split("</section>")[0]
    async with client_for(app) as c:
        assert (await c.post(LOGIN, json={"username": username, "password": PASSWORD})).status_code == 200
    async with engine.connect() as conn:
        events = await security_log.events_of(conn, username)
    assert [(e["action"], e["actor"]) for e in events] == [("account_locked", None), ("account_unlocked", "admin")]
