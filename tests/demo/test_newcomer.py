"""The newcomer's first minutes (issue 14 part 11) and a citizen's submit checked (part 3).

Every `make run` says how to sign in; the demo password can be reset; demo numbers reach nobody; demo data is
marked, its SMS and e-mail never reach a gateway, and PHANANH_ENV=production refuses a database holding it.
"""

import os
import sqlite3
import stat
import subprocess
import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, update

from phananh.auth.security import verify_password
from phananh.config import ProductionSettingsError
from phananh.demo import marker
from phananh.notifications.delivery import deliver_due
from phananh.notifications.tables import notifications
from phananh.reports.tables import reports
from tests.support import act, report_body, submit

PHANANH = str(Path(sys.executable).parent / "phananh")


def run(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run([PHANANH, *args], env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("newcomer")
    env = {**os.environ, "PHANANH_DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'demo.db'}",
           "PHANANH_MEDIA_DIR": str(tmp / "media"), "PHANANH_VAR_DIR": str(tmp)}
    env.pop("PHANANH_DEMO_PASSWORD", None)
    env.pop("PHANANH_ENV", None)
    assert run(env, "migrate").returncode == 0
    first = run(env, "seed-demo")
    assert first.returncode == 0, first.stderr
    return env, tmp, first


def _hash(tmp: Path, username: str) -> str:
    db = sqlite3.connect(tmp / "demo.db")
    return db.execute("select password_hash from users where username = ?", (username,)).fetchone()[0]


def _password_in(output: str) -> str:
    line = next(line for line in output.splitlines() if line.startswith(("Password for every demo user:", "New password")))
    return line.rsplit(": ", 1)[1].strip()


def test_every_seed_run_says_how_to_sign_in_and_the_password_can_be_reset(demo_db):
    env, tmp, first = demo_db
    password = _password_in(first.stdout)
    kept = tmp / "demo-password"
    assert kept.read_text().strip() == password
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600  # the owner's only
    assert verify_password(_hash(tmp, "dispatcher"), password)

    again = run(env, "seed-demo")  # the second `make run`
    assert again.returncode == 0 and "already has data" in again.stdout
    assert _password_in(again.stdout) == password and "admin, dispatcher" in again.stdout

    # PHANANH_DEMO_PASSWORD on a later run is no longer ignored: it becomes every demo user's password.
    reset = run({**env, "PHANANH_DEMO_PASSWORD": "mat-khau-moi-cua-demo"}, "seed-demo")
    assert _password_in(reset.stdout) == "mat-khau-moi-cua-demo"
    assert verify_password(_hash(tmp, "leader.so-y-te"), "mat-khau-moi-cua-demo")
    assert not verify_password(_hash(tmp, "admin"), password)

    chosen = run(env, "demo", "reset-password", "--password", "mot-mat-khau-khac")
    assert chosen.returncode == 0 and _password_in(chosen.stdout) == "mot-mat-khau-khac"
    assert verify_password(_hash(tmp, "supervisor"), "mot-mat-khau-khac")
    weak = run(env, "demo", "reset-password", "--password", "123")
    assert weak.returncode != 0 and "12" in weak.stderr
    random = run(env, "demo", "reset-password")
    new = _password_in(random.stdout)
    assert len(new) >= 12 and kept.read_text().strip() == new and verify_password(_hash(tmp, "admin"), new)
    assert _password_in(run(env, "seed-demo").stdout) == new


def test_demo_data_is_marked_reaches_nobody_and_sends_nothing(demo_db):
    _env, tmp, _first = demo_db
    db = sqlite3.connect(tmp / "demo.db")
    assert {r[0] for r in db.execute("select distinct channel from reports")} == {"demo"}
    phones = [r[0] for r in db.execute("select reporter_phone from reports where reporter_phone is not null")]
    phones += [r[0] for r in db.execute("select phone from users where phone is not null")]
    assert len(phones) > 20 and all(marker.is_demo_phone(p) for p in phones), phones
    assert not any(p.startswith(("+849", "+843", "+845", "+847", "+848", "09", "03")) for p in phones)
    emails = [r[0] for r in db.execute("select email from users where email is not null")]
    assert emails and all(e.endswith(".invalid") for e in emails)
    # Addresses stop at the hamlet (ấp, khóm): no house number of anyone's.
    addresses = [r[0] for r in db.execute("select address from reports")]
    assert not [a for a in addresses if a.lower().startswith(("số ", "nhà số"))]
    states = dict(db.execute("select status, count(*) from notifications where channel != 'in_app' group by status"))
    assert states.get("demo", 0) > 10 and not states.get("pending") and not states.get("sent"), states


def test_the_demo_contacts_are_people_a_dispatcher_would_write_down(demo_db):
    """An urgent report's phone call names a person ("Lãnh đạo – Sở Y tế"), which the report page shows as is;
    it once read "Lãnh đạo so-y-te", an agency code without diacritics."""
    _env, tmp, _first = demo_db
    db = sqlite3.connect(tmp / "demo.db")
    contacts = [r[0] for r in db.execute("select json_extract(payload, '$.contact') from events where action = 'log_contact'")]
    codes = {r[0] for r in db.execute("select code from agencies")}
    names = {r[0] for r in db.execute("select full_name from users where role = 'agency_leader'")}
    assert contacts and set(contacts) <= names, contacts
    assert not [c for c in contacts if any(code in c for code in codes)]


def test_production_refuses_a_database_with_demo_data(demo_db):
    env, _tmp, _first = demo_db
    # Every other production setting right, SQLite aside: the check itself is exercised on both DBs below.
    import asyncio

    from phananh.db import create_engine

    async def check(env_name):
        engine = create_engine(env["PHANANH_DATABASE_URL"])
        try:
            await marker.refuse_demo_in_production(engine, env_name)
        finally:
            await engine.dispose()

    asyncio.run(check("development"))  # the embedded demo is fine
    with pytest.raises(ProductionSettingsError) as refused:
        asyncio.run(check("production"))
    assert "demo data" in str(refused.value)


async def test_holds_demo_data_on_both_databases(engine, tmp_path):
    async with engine.connect() as conn:  # the test database has the demo users
        assert await marker.holds_demo_data(conn)
    with pytest.raises(ProductionSettingsError):
        await marker.refuse_demo_in_production(engine, "production")
    from phananh.db import create_engine, metadata

    empty = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    async with empty.begin() as conn:
        await conn.run_sync(metadata.create_all)
    await marker.refuse_demo_in_production(empty, "production")  # a real, empty database starts
    await empty.dispose()


class Recorder:
    def __init__(self):
        self.to: list[str] = []

    async def send(self, *, to, **_kw):
        self.to.append(to)


async def test_a_demo_reports_sms_never_reaches_the_gateway(client, tokens, engine):
    phone = f"09{uuid.uuid4().int % 10**8:08d}"
    rid = (await submit(client, reporter={"name": "Mẫu", "phone": phone}))["id"]
    async with engine.begin() as conn:
        await conn.execute(update(reports).where(reports.c.id == rid).values(channel=marker.DEMO_CHANNEL))
    await act(client, rid, "reject", {"reason": "Trùng lặp"}, await tokens("dispatcher"))
    gateway = Recorder()
    await deliver_due(engine, senders={"sms": gateway, "email": gateway, "in_app": gateway},
                      now=datetime.now(timezone.utc) + timedelta(minutes=1))
    assert not [to for to in gateway.to if phone[1:] in to]
    async with engine.connect() as conn:
        states = {r.status for r in await conn.execute(
            select(notifications.c.status).where(notifications.c.report_id == rid, notifications.c.channel == "sms"))}
    assert states == {"demo"}


@pytest.mark.parametrize("phone", ["abc123", "12345", "091234567", "+8491234567", "0912 345 67x", "+84 0912345678"])
async def test_a_phone_that_is_not_a_phone_is_refused_in_vietnamese(client, phone):
    r = await client.post("/api/v1/reports", json=report_body(reporter={"name": "Bảy", "phone": phone}))
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "invalid_phone" and error["details"]["field"] == "reporter.phone"
    assert "số điện thoại" in error["message"].lower()


@pytest.mark.parametrize("phone", ["0912345678", "0912 345 678", "+84912345678", "+84 912.345.678", "+447700900123"])
async def test_vietnamese_and_international_phones_are_accepted(client, phone):
    await submit(client, reporter={"name": "Bảy", "phone": phone})


@pytest.mark.parametrize("description", ["x", "Ổ gà", "   abc    "])
async def test_a_description_too_short_to_act_on_is_refused(client, description):
    r = await client.post("/api/v1/reports", json=report_body(description=description))
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "description_too_short" and error["details"] == {"field": "description", "min": 10}
    assert "10" in error["message"] and "ký tự" in error["message"]


async def test_staff_entering_a_callers_words_are_not_held_to_the_minimum(client, tokens):
    r = await client.post("/api/v1/reports", json=report_body(description="Cây đổ"),
                          headers=await tokens("dispatcher"))
    assert r.status_code == 201, r.text
