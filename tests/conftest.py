"""Shared fixtures. Database tests run once on SQLite and once on PostgreSQL (the `db_url` parameter)."""

from __future__ import annotations

import asyncio
import os
import uuid
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest

from phananh.app import create_app
from phananh.config import Settings
from phananh.db import create_engine

PG_SERVER = os.environ.get("PHANANH_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
DEMO_PASSWORD = "demo-mat-khau-2026"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# The suite submits thousands of reports and signs in many phones, all from 127.0.0.1: abuse limits far above
# that, for in-process apps and live servers alike (tests/security builds its apps with the real defaults).
TEST_LIMITS = {f"PHANANH_LIMIT_{name}": "1000000/minute" for name in (
    "OTP_REQUEST_PER_PHONE", "OTP_REQUEST_PER_IP", "OTP_VERIFY_FAILURES_PER_PHONE", "SUBMIT_PER_IP",
    "MEDIA_PER_IP", "SUBMIT_PER_ACCOUNT", "MEDIA_PER_ACCOUNT", "OPEN311_PER_KEY", "TRACK_PER_CODE", "TRACK_PER_IP",
    "GEOCODE")}
for _name, _value in TEST_LIMITS.items():
    os.environ.setdefault(_name, _value)


def _pg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(_pg_dsn(PG_SERVER), timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _pg_available() -> bool:
    try:
        asyncio.run(_pg_admin("SELECT 1"))
        return True
    except Exception:
        return False


def pytest_report_header(config):
    if _pg_available():
        return "PostgreSQL: available at " + PG_SERVER
    return "PostgreSQL: NOT available — PostgreSQL runs are " + ("FAILING (CI)" if IN_CI else "skipped")


async def _seed(url: str) -> None:
    from phananh.demo.seed import seed_reference, seed_users

    engine = create_engine(url)
    try:
        await seed_reference(engine)
        await seed_users(engine, DEMO_PASSWORD)
    finally:
        await engine.dispose()


def empty_pg_database(prefix: str = "phananh_test") -> tuple[str, callable]:
    """A new, empty PostgreSQL database named PREFIX_<random>; returns (url, drop). Skips the test when PostgreSQL
    does not answer (fails it under CI, where PostgreSQL is required)."""
    if not _pg_available():
        if IN_CI:
            pytest.fail(f"PostgreSQL is required under CI but does not answer at {PG_SERVER}", pytrace=False)
        pytest.skip(f"PostgreSQL does not answer at {PG_SERVER}: PostgreSQL runs skipped")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    url = PG_SERVER.rsplit("/", 1)[0] + "/" + name
    return url, lambda: asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def make_database(backend: str, tmp_dir: Path) -> tuple[str, callable]:
    """A fresh, migrated database with Cà Mau's reference data and demo users; returns (url, drop)."""
    from phananh.migrate import upgrade

    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_dir / 'test.db'}"
        drop = lambda: None  # noqa: E731
    else:
        url, drop = empty_pg_database()
    upgrade(url)
    asyncio.run(_seed(url))
    return url, drop


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def db_url(request, tmp_path_factory):
    url, drop = make_database(request.param, tmp_path_factory.mktemp(f"db-{request.param}"))
    yield url
    drop()


@pytest.fixture(scope="session")
def backend(db_url) -> str:
    return "sqlite" if db_url.startswith("sqlite") else "postgres"


class Clock:
    """A controllable clock: `now` is real time unless a test sets it."""

    def __init__(self):
        self.fixed: datetime | None = None

    def __call__(self) -> datetime:
        return self.fixed or datetime.now(timezone.utc)

    def set(self, moment: datetime) -> None:
        self.fixed = moment


@pytest.fixture(scope="session")
def settings(db_url, tmp_path_factory) -> Settings:
    media = tmp_path_factory.mktemp("media")
    # session_idle_minutes: the `tokens` fixture signs in once for the whole (long) run.
    return Settings(database_url=db_url, media_dir=media, var_dir=media.parent, demo_password=DEMO_PASSWORD,
                    session_idle_minutes=24 * 60, max_photo_bytes=2 * 1024 * 1024)


@pytest.fixture(scope="session")
async def engine(settings):
    engine = create_engine(settings.database_url)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def app(settings, engine):
    application = create_app(settings)
    application.state.engine = engine  # the lifespan is not run under httpx's ASGITransport
    application.state.clock = Clock()
    return application


@pytest.fixture
def clock(app):
    app.state.clock.fixed = None
    yield app.state.clock
    app.state.clock.fixed = None


@pytest.fixture(scope="session")
async def client(app):
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture(scope="session")
async def tokens(client):
    """Bearer headers per demo username, logged in once."""
    return bearer_headers(client)


def bearer_headers(client: httpx.AsyncClient):
    """`await headers(username)`: the Authorization header of that demo user on `client`, signed in once."""
    cache: dict[str, dict] = {}

    async def headers(username: str) -> dict:
        if username not in cache:
            r = await client.post("/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD})
            assert r.status_code == 200, r.text
            cache[username] = {"Authorization": f"Bearer {r.json()['access_token']}"}
        return cache[username]

    return headers


@pytest.fixture(scope="session")
async def citizen_token(client, monkeypatch_session):
    """Bearer headers of a citizen signed in by phone with a one-time code (read from the SMS sender)."""
    return await sign_in_citizen(client, monkeypatch_session, "0987654321")


async def sign_in_citizen(client, monkeypatch, phone: str) -> dict:
    from phananh.auth import service as auth_service

    sent: list[str] = []

    async def capture(to, text, *, settings):
        sent.append(text)

    monkeypatch.setattr(auth_service, "send_sms", capture)
    r = await client.post("/api/v1/auth/otp/request", json={"phone": phone})
    assert r.status_code == 202, r.text
    code = sent[-1].rsplit(" ", 1)[-1]
    r = await client.post("/api/v1/auth/otp/verify", json={"phone": phone, "code": code})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@pytest.fixture(scope="session")
def monkeypatch_session():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()
