"""The staff second factor (issue 11), on SQLite and PostgreSQL: TOTP enrolment with recovery codes, sign-in with
and without the code, codes that work once, enrolment forced for the required roles; logout and idle expiry
end sessions; the password policy of the CLI and the admin pages; the web's two-step sign-in."""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
import pyotp
import pytest
from sqlalchemy import select, update

from phananh.app import create_app
from phananh.auth import security_log, service
from phananh.auth.tables import api_tokens, users
from phananh.config import Settings
from phananh.db import utcnow
from tests.conftest import DEMO_PASSWORD

PASSWORD = "mat-khau-can-bo-2026"
LOGIN = "/api/v1/auth/login"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
_ips = itertools.count(1)


def client_for(app) -> httpx.AsyncClient:
    n = next(_ips)
    transport = httpx.ASGITransport(app=app, client=(f"10.22.{n // 250}.{n % 250 + 1}", 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def later_code(secret: str) -> str:
    """The next step's code (accepted: one step of drift), so that it differs from one just spent."""
    return pyotp.TOTP(secret).at(time.time() + 30)


async def new_staff(engine, role: str = "dispatcher") -> str:
    username = f"canbo-{uuid.uuid4().hex[:8]}"
    async with engine.begin() as conn:
        await service.create_user(conn, username=username, password=PASSWORD, role=role)
    return username


async def enrol(c: httpx.AsyncClient, username: str) -> tuple[str, list[str]]:
    token = (await c.post(LOGIN, json={"username": username, "password": PASSWORD})).json()["access_token"]
    setup = await c.post("/api/v1/auth/mfa/totp/setup", headers=bearer(token))
    assert setup.status_code == 200, setup.text
    secret = setup.json()["secret"]
    assert setup.json()["otpauth_uri"].startswith("otpauth://totp/") and f"secret={secret}" in setup.json()["otpauth_uri"]
    confirmed = await c.post("/api/v1/auth/mfa/totp/confirm", json={"code": pyotp.TOTP(secret).now()},
                             headers=bearer(token))
    assert confirmed.status_code == 200, confirmed.text
    return secret, confirmed.json()["recovery_codes"]


@pytest.fixture
def mfa_app(settings, engine):
    """An app where dispatchers must have a second factor (idle sessions end after 30 minutes)."""
    application = create_app(settings.model_copy(update={"mfa_required_roles": "dispatcher",
                                                         "session_idle_minutes": 30}))
    application.state.engine = engine
    return application


async def test_enrolled_staff_sign_in_needs_the_code_and_each_code_works_once(app, engine):
    username = await new_staff(engine)
    async with client_for(app) as c:
        secret, recovery = await enrol(c, username)
        assert len(recovery) == 10 and len(set(recovery)) == 10
        without = await c.post(LOGIN, json={"username": username, "password": PASSWORD})
        assert without.status_code == 401 and without.json()["error"]["code"] == "mfa_required"
        wrong = await c.post(LOGIN, json={"username": username, "password": PASSWORD, "otp": "000000"})
        assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "mfa_required"
        code = later_code(secret)
        ok = await c.post(LOGIN, json={"username": username, "password": PASSWORD, "otp": code})
        assert ok.status_code == 200 and ok.json()["access_token"]
        replay = await c.post(LOGIN, json={"username": username, "password": PASSWORD, "otp": code})
        assert replay.status_code == 401 and replay.json()["error"]["code"] == "mfa_required"
        first = await c.post(LOGIN, json={"username": username, "password": PASSWORD, "otp": recovery[3]})
        assert first.status_code == 200
        again = await c.post(LOGIN, json={"username": username, "password": PASSWORD, "otp": recovery[3]})
        assert again.status_code == 401 and again.json()["error"]["code"] == "mfa_required"
        # typed by hand: upper case, without the dash
        other = await c.post(LOGIN, json={"username": username, "password": PASSWORD,
                                          "otp": recovery[4].replace("-", "").upper()})
        assert other.status_code == 200
        # a wrong password with a good code is still a wrong password
        bad = await c.post(LOGIN, json={"username": username, "password": "sai-mat-khau-roi", "otp": recovery[5]})
        assert bad.json()["error"]["code"] == "invalid_credentials"
    async with engine.connect() as conn:
        actions = [e["action"] for e in await security_log.events_of(conn, username)]
        stored = (await conn.execute(select(users.c.totp_secret).where(users.c.username == username))).scalar_one()
    assert actions == ["mfa_enrolled", "recovery_code_used", "recovery_code_used"]
    assert secret not in stored  # encrypted at rest


async def test_enrolment_refuses_a_wrong_code_and_a_second_set_up(app, engine):
    username = await new_staff(engine, role="handler")
    async with client_for(app) as c:
        token = (await c.post(LOGIN, json={"username": username, "password": PASSWORD})).json()["access_token"]
        early = await c.post("/api/v1/auth/mfa/totp/confirm", json={"code": "123456"}, headers=bearer(token))
        assert early.status_code == 409 and early.json()["error"]["code"] == "mfa_setup_required"
        await c.post("/api/v1/auth/mfa/totp/setup", headers=bearer(token))
        wrong = await c.post("/api/v1/auth/mfa/totp/confirm", json={"code": "12345x"}, headers=bearer(token))
        assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "invalid_code"
        # not enrolled yet: the password alone still signs in
        assert (await c.post(LOGIN, json={"username": username, "password": PASSWORD})).status_code == 200
        secret = (await c.post("/api/v1/auth/mfa/totp/setup", headers=bearer(token))).json()["secret"]
        r = await c.post("/api/v1/auth/mfa/totp/confirm", json={"code": pyotp.TOTP(secret).now()},
                         headers=bearer(token))
        assert r.status_code == 200
        again = await c.post("/api/v1/auth/mfa/totp/setup", headers=bearer(token))
        assert again.status_code == 409 and again.json()["error"]["code"] == "mfa_already_enrolled"
        anonymous = await c.post("/api/v1/auth/mfa/totp/setup")
        assert anonymous.status_code == 401


async def test_wrong_codes_count_towards_the_lockout(app, engine):
    username = await new_staff(engine)
    async with client_for(app) as c:
        secret, _codes = await enrol(c, username)
        answers = [await c.post(LOGIN, json={"username": username, "password": PASSWORD, "otp": f"00000{i}"})
                   for i in range(5)]
        assert [r.status_code for r in answers] == [401, 401, 401, 401, 429]
        locked = await c.post(LOGIN, json={"username": username, "password": PASSWORD, "otp": later_code(secret)})
        assert locked.status_code == 429 and locked.json()["error"]["code"] == "account_locked"


async def test_a_required_role_must_enrol_before_doing_anything_else(mfa_app, engine):
    username = await new_staff(engine, role="dispatcher")
    async with client_for(mfa_app) as c:
        token = (await c.post(LOGIN, json={"username": username, "password": PASSWORD})).json()["access_token"]
        blocked = await c.get("/api/v1/reports", headers=bearer(token))
        assert blocked.status_code == 403 and blocked.json()["error"]["code"] == "mfa_enrolment_required"
        assert (await c.get("/api/v1/auth/me", headers=bearer(token))).status_code == 200
        secret = (await c.post("/api/v1/auth/mfa/totp/setup", headers=bearer(token))).json()["secret"]
        r = await c.post("/api/v1/auth/mfa/totp/confirm", json={"code": pyotp.TOTP(secret).now()},
                         headers=bearer(token))
        assert r.status_code == 200
        assert (await c.get("/api/v1/reports", headers=bearer(token))).status_code == 200
        # a role that is not required signs in with its password alone
        handler = await new_staff(engine, role="handler")
        r = await c.post(LOGIN, json={"username": handler, "password": PASSWORD})
        assert (await c.get("/api/v1/reports", headers=bearer(r.json()["access_token"]))).status_code == 200


def test_production_requires_the_second_factor_of_admins_and_dispatchers_by_default():
    assert Settings(env="production").mfa_roles() == {"admin", "dispatcher"}
    assert Settings().mfa_roles() == frozenset()  # the embedded demo: optional
    assert Settings(env="production", mfa_required_roles="").mfa_roles() == frozenset()
    assert Settings(mfa_required_roles="admin, supervisor").mfa_roles() == {"admin", "supervisor"}


async def test_logout_revokes_the_bearer_token(app, engine):
    username = await new_staff(engine, role="supervisor")
    async with client_for(app) as c:
        token = (await c.post(LOGIN, json={"username": username, "password": PASSWORD})).json()["access_token"]
        assert (await c.get("/api/v1/auth/me", headers=bearer(token))).status_code == 200
        assert (await c.post("/api/v1/auth/logout", headers=bearer(token))).status_code == 204
        gone = await c.get("/api/v1/auth/me", headers=bearer(token))
        assert gone.status_code == 401 and gone.json()["error"]["code"] == "invalid_token"
        assert (await c.post("/api/v1/auth/logout")).status_code == 401


async def test_a_staff_session_unused_past_the_idle_time_is_over(mfa_app, engine):
    username = await new_staff(engine, role="handler")
    async with client_for(mfa_app) as c:
        idle, fresh = [(await c.post(LOGIN, json={"username": username, "password": PASSWORD})).json()["access_token"]
                       for _ in range(2)]
        async with engine.begin() as conn:
            for token, minutes in ((idle, 31), (fresh, 10)):
                await conn.execute(update(api_tokens).where(api_tokens.c.token_hash == service.token_hash(token))
                                   .values(last_used_at=utcnow() - timedelta(minutes=minutes)))
        r = await c.get("/api/v1/auth/me", headers=bearer(idle))
        assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_token"
        assert (await c.get("/api/v1/auth/me", headers=bearer(fresh))).status_code == 200
    async with engine.connect() as conn:
        last = (await conn.execute(select(api_tokens.c.last_used_at)
                                   .where(api_tokens.c.token_hash == service.token_hash(fresh)))).scalar_one()
    assert utcnow() - last < timedelta(minutes=1)  # its use was written: the idle time starts again


def test_the_command_line_refuses_short_and_common_passwords(db_url):
    def create(password: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(Path(sys.executable).parent / "phananh"), "create-user",
                               f"cli-{uuid.uuid4().hex[:6]}", "--role", "supervisor", "--password", password],
                              env={**os.environ, "PHANANH_DATABASE_URL": db_url, "COLUMNS": "300"},
                              capture_output=True, text=True, timeout=120)

    def said(r) -> str:  # the error box's text on one line
        return " ".join(r.stderr.replace("│", " ").split())

    short, common = create("ngan-qua"), create("qwerty123456")
    assert short.returncode != 0 and "at least 12 characters" in said(short)
    assert common.returncode != 0 and "list of common passwords" in said(common)
    assert create("mot-mat-khau-du-dai").returncode == 0


async def _browser_sign_in(c: httpx.AsyncClient, username: str, password: str = PASSWORD) -> httpx.Response:
    token = TOKEN.search((await c.get("/dang-nhap")).text).group(1)
    return await c.post("/dang-nhap", data={"csrf_token": token, "username": username, "password": password})


async def test_admin_pages_refuse_short_and_common_passwords(app):
    async with client_for(app) as browser:
        assert (await _browser_sign_in(browser, "admin", DEMO_PASSWORD)).status_code == 303
        token = TOKEN.search((await browser.get("/admin/nguoi-dung")).text).group(1)
        fields = {"csrf_token": token, "mode": "new", "username": f"moi-{uuid.uuid4().hex[:6]}", "role": "supervisor",
                  "active": "1"}
        short = await browser.post("/admin/nguoi-dung", data={**fields, "password": "ngan-qua"})
        assert short.status_code == 422 and "ít nhất 12 ký tự" in short.text
        common = await browser.post("/admin/nguoi-dung", data={**fields, "password": "password1234"})
        assert common.status_code == 422 and "danh sách mật khẩu phổ biến" in common.text
        ok = await browser.post("/admin/nguoi-dung", data={**fields, "password": "mot-mat-khau-du-dai"})
        assert ok.status_code == 303


async def test_the_web_sign_in_asks_for_the_code_as_a_second_step(app, engine):
    username = await new_staff(engine)
    async with client_for(app) as c:
        secret, recovery = await enrol(c, username)
    async with client_for(app) as browser:
        step1 = await _browser_sign_in(browser, username)
        assert step1.status_code == 200 and 'name="otp"' in step1.text
        assert not any(k.endswith("phananh_session") for k in browser.cookies)  # no session yet
        ticket = re.search(r'name="ticket" value="([^"]+)"', step1.text).group(1)
        token = TOKEN.search(step1.text).group(1)
        wrong = await browser.post("/dang-nhap/ma-xac-thuc", data={"csrf_token": token, "ticket": ticket, "otp": "000000"})
        assert wrong.status_code == 422 and "Mã xác thực lớp thứ hai không đúng" in wrong.text
        forged = await browser.post("/dang-nhap/ma-xac-thuc",
                                    data={"csrf_token": token, "ticket": ticket[:-2] + "00", "otp": later_code(secret)})
        assert forged.status_code == 422 and "nhập lại mật khẩu" in forged.text
        done = await browser.post("/dang-nhap/ma-xac-thuc",
                                  data={"csrf_token": token, "ticket": ticket, "otp": later_code(secret)})
        assert done.status_code == 303 and done.headers["location"] == "/portal"
        assert (await browser.get("/portal")).status_code == 200


async def test_the_web_sends_a_required_role_to_enrolment_until_it_is_done(mfa_app, engine):
    username = await new_staff(engine, role="dispatcher")
    async with client_for(mfa_app) as browser:
        r = await _browser_sign_in(browser, username)
        assert r.status_code == 303 and r.headers["location"] == "/dang-nhap/xac-thuc-hai-buoc"
        portal = await browser.get("/portal")
        assert portal.status_code == 303 and portal.headers["location"] == "/dang-nhap/xac-thuc-hai-buoc"
        page = await browser.get("/dang-nhap/xac-thuc-hai-buoc")
        assert page.status_code == 200 and "<svg" in page.text and "Xác thực hai bước" in page.text
        secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.text).group(1)
        assert (await browser.get("/dang-nhap/xac-thuc-hai-buoc")).text.count(secret) == 1  # same secret on reload
        token = TOKEN.search(page.text).group(1)
        wrong = await browser.post("/dang-nhap/xac-thuc-hai-buoc", data={"csrf_token": token, "code": "000000"})
        assert wrong.status_code == 422
        done = await browser.post("/dang-nhap/xac-thuc-hai-buoc",
                                  data={"csrf_token": token, "code": pyotp.TOTP(secret).now()})
        assert done.status_code == 200
        codes = re.findall(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>", done.text)
        assert len(codes) == 10
        assert (await browser.get("/portal")).status_code == 200
