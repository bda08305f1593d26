"""Every route and command that changes a report publishes its live event, after commit, from one hook
(live/after_commit.py): no route publishes by itself.

`test_every_writing_route_is_walked_or_declared` walks the app's routes: a new POST/PUT/PATCH/DELETE route that
is neither walked here nor declared as changing no report fails it. `test_every_command_is_walked_or_declared`
does the same for the `phananh` commands, whose engines publish through Redis (live/commands.py), so a
dashboard on a server hears the worker's automatic close, a CLI command and seeding (checked on the real Redis).
"""

from __future__ import annotations

import asyncio
import os
import random
import uuid
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from sqlalchemy import select

from phananh import live
from phananh.db import create_engine
from phananh.live.commands import publishing_engine
from phananh.live.hub import Hub
from phananh.reports.scheduled import close_published
from phananh.reports.tables import events, reports
from tests.conftest import IN_CI, sign_in_citizen
from tests.support import AGENCY, PATHS, act, partner_api_key, report_in_state, submit
from tests.web.test_pages import TOKEN, sign_in

# Routes walked by a test below (path -> the test that walks it).
WALKED = {
    "/api/v1/reports": "test_rest_submit_and_every_action_publish",
    "/api/v1/reports/{report_ref}/actions/{action}": "test_rest_submit_and_every_action_publish",
    "/portal/phan-anh/{report_id}/{action}": "test_console_forms_publish",
    "/agency/phan-anh/{report_id}/{action}": "test_console_forms_publish",
    "/open311/v2/requests": "test_open311_submits_publish",
    "/open311/v2/requests.{fmt}": "test_open311_submits_publish",
    "/gui-phan-anh": "test_web_submit_forms_publish",
    "/portal/moi": "test_web_submit_forms_publish",
    "/theo-doi/{token}/danh-gia": "test_ratings_publish",
    "/cua-toi/{report_id:int}/danh-gia": "test_ratings_publish",
    "/api/v1/me/erase": "test_erasures_publish",
    "/cua-toi/xoa-thong-tin": "test_erasures_publish",
}
# Routes that write no report event.
NO_REPORT_CHANGE = {
    "/api/v1/track", "/api/v1/auth/login", "/api/v1/auth/logout", "/api/v1/auth/mfa/totp/setup",
    "/api/v1/auth/mfa/totp/confirm", "/api/v1/auth/otp/request", "/api/v1/auth/otp/verify",
    "/api/v1/admin/calendar", "/api/v1/admin/calendar/{day}", "/api/v1/admin/sla-policy",  # deadlines, no event
    "/api/v1/notifications/{notification_id}/read", "/api/v1/notifications/read-all",
    "/api/v1/admin/api-keys", "/api/v1/admin/api-keys/{key_id}/revoke", "/open311/v2/{rest:path}",
    "/admin/nhat-ky", "/theo-doi", "/dang-nhap-cong-dan", "/dang-nhap-cong-dan/xac-thuc", "/dang-nhap",
    "/dang-nhap/ma-xac-thuc", "/dang-nhap/xac-thuc-hai-buoc", "/dang-xuat", "/thong-bao/da-doc", "/admin/lich",
    "/admin/khoa-api", "/admin/khoa-api/{key_id:int}/thu-hoi", "/admin/phan-luong", "/admin/nguoi-dung/mo-khoa",
    "/admin/{entity}",
}


def _writing_routes(app) -> set[str]:
    out = set()
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        for r in (contexts() if callable(contexts) else contexts) if contexts is not None else [route]:
            if (getattr(r, "methods", None) or set()) - {"GET", "HEAD", "OPTIONS"}:
                out.add(r.path)
    return out


def test_every_writing_route_is_walked_or_declared(app):
    routes = _writing_routes(app)
    assert "/api/v1/reports" in routes  # the walk sees the app's routes
    undeclared = routes - set(WALKED) - NO_REPORT_CHANGE
    assert not undeclared, f"walk these in tests/live/test_pipeline_coverage.py, or declare them: {undeclared}"
    assert not (set(WALKED) | NO_REPORT_CHANGE) - routes, "declared routes that no longer exist"
    assert not set(WALKED) & NO_REPORT_CHANGE
    assert set(WALKED.values()) <= set(globals()), "WALKED names a test that does not exist"


@pytest.fixture
async def browser(app):
    """A client with its own cookie jar, like one browser."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        yield c


@asynccontextmanager
async def listening(app):
    async with live.hub(app).subscribe() as queue:
        yield Heard(queue)


class Heard:
    def __init__(self, queue):
        self.queue, self.seen = queue, []

    async def wait(self, report_id: int, action: str) -> dict:
        async def until():
            while True:
                for m in self.seen:
                    if m["report_id"] == report_id and m["action"] == action:
                        return m
                self.seen.append(await self.queue.get())

        return await asyncio.wait_for(until(), timeout=3)


async def test_rest_submit_and_every_action_publish(app, client, tokens):
    dispatcher, handler = await tokens("dispatcher"), await tokens(f"handler.{AGENCY}")
    async with listening(app) as heard:
        created = await submit(client)
        assert (await heard.wait(created["id"], "submit"))["status"] == "received"
        rid = created["id"]
        for action, headers, body in [
            ("make_public", dispatcher, {}), ("redact", dispatcher, {"public_title": "Ổ gà"}),
            ("reclassify", dispatcher, {"category": "dien-chieu-sang"}), ("flag_urgent", dispatcher, {}),
            ("unflag_urgent", dispatcher, {}), ("log_contact", dispatcher, {"contact": "Ông A", "channel": "phone", "outcome": "Đã báo"}),
            ("comment", dispatcher, {"text": "Đã xem"}), ("assign", dispatcher, {"agency": AGENCY}),
            ("respond", handler, {"message": "Đã tiếp nhận"}), ("resolve", handler, {"result": "Đã xử lý"}),
            ("rework", dispatcher, {"reason": "Chưa đủ"}), ("resolve", handler, {"result": "Đã xử lý xong"}),
            ("publish", dispatcher, {}), ("reopen", dispatcher, {"reason": "Chưa xong"}),
        ]:
            await act(client, rid, action, body, headers=headers)
            await heard.wait(rid, action)
        other = await submit(client)
        await act(client, other["id"], "reject", {"reason": "Không thuộc phạm vi"}, headers=dispatcher)
        assert (await heard.wait(other["id"], "reject"))["status"] == "rejected"


async def test_a_rolled_back_action_publishes_nothing(app, client, tokens):
    dispatcher = await tokens("dispatcher")
    async with listening(app) as heard:
        created = await submit(client)
        await heard.wait(created["id"], "submit")
        await act(client, created["id"], "assign", {"agency": "no-such-agency"}, headers=dispatcher, expect=422)
        with pytest.raises(TimeoutError):
            await heard.wait(created["id"], "assign")


async def test_console_forms_publish(app, client, tokens, browser):
    async with listening(app) as heard:
        created = await submit(client)
        csrf = await sign_in(browser, "dispatcher")
        r = await browser.post(f"/portal/phan-anh/{created['id']}/assign",
                               data={"csrf_token": csrf, "agency": AGENCY})
        assert r.status_code == 303, r.text[:300]
        assert (await heard.wait(created["id"], "assign"))["status"] == "assigned"
    async with listening(app) as heard:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as agency:
            csrf = await sign_in(agency, f"handler.{AGENCY}")
            r = await agency.post(f"/agency/phan-anh/{created['id']}/respond",
                                  data={"csrf_token": csrf, "message": "Đã tiếp nhận"})
            assert r.status_code == 303, r.text[:300]
        assert (await heard.wait(created["id"], "respond"))["status"] == "in_progress"


async def test_the_scheduled_close_publishes(app, client, tokens, clock):
    published = await report_in_state(client, tokens, "published")
    async with listening(app) as heard:
        later = clock() + timedelta(days=app.state.settings.close_after_days + 1)
        closed = await close_published(app.state.engine, now=later, settings=app.state.settings)
        assert published["id"] in closed
        assert (await heard.wait(published["id"], "close"))["status"] == "closed"



async def _report_id(client, tokens, text: str) -> int:
    """The one report whose words hold `text` (entries that answer with a code or a redirect, not an id)."""
    found = (await client.get("/api/v1/reports", params={"q": text}, headers=await tokens("dispatcher"))).json()
    assert found["total"] == 1, found
    return found["items"][0]["id"]


async def test_open311_submits_publish(app, client, tokens):
    from tests.open311.conftest import request_form

    key = await partner_api_key(client, tokens, "Kiểm thử luồng trực tiếp")
    async with listening(app) as heard:
        for path in ("/open311/v2/requests", "/open311/v2/requests.json"):
            tag = uuid.uuid4().hex[:10]
            r = await client.post(path, data=request_form(description=f"Cống bể, nước tràn mặt đường ({tag})"),
                                  headers={"X-Api-Key": key})
            assert r.status_code == 200, r.text[:300]
            rid = await _report_id(client, tokens, tag)
            assert (await heard.wait(rid, "submit"))["status"] == "received", path


async def test_web_submit_forms_publish(app, client, tokens, browser):
    async with listening(app) as heard:
        tag = uuid.uuid4().hex[:10]
        token = TOKEN.search((await browser.get("/")).text).group(1)
        r = await browser.post("/gui-phan-anh", data={
            "csrf_token": token, "idempotency_key": str(uuid.uuid4()), "category": "ve-sinh-moi-truong",
            "description": f"Rác thải đổ bừa bãi ven kênh ({tag})", "address": "Bờ kênh Rạch Rập", "anonymous": "1"})
        assert r.status_code == 303, r.text[:300]
        assert (await heard.wait(await _report_id(client, tokens, tag), "submit"))["status"] == "received"

        csrf = await sign_in(browser, "dispatcher")
        r = await browser.post("/portal/moi", data={
            "csrf_token": csrf, "channel": "hotline", "category": "dien-chieu-sang",
            "description": f"Đèn đường tắt cả dãy phố ({uuid.uuid4().hex[:6]})", "address": "Đường Phan Ngọc Hiển",
            "reporter.name": "Lê Văn Tám", "reporter.phone": "0912000111", "consent": "1"})
        assert r.status_code == 303, r.text[:300]
        rid = int(r.headers["location"].rsplit("/", 1)[1])
        assert (await heard.wait(rid, "submit"))["status"] == "received"


async def _citizen(client, monkeypatch) -> dict:
    return await sign_in_citizen(client, monkeypatch, f"09{random.randint(10_000_000, 89_999_999)}")


async def _published_for(client, tokens, headers) -> dict:
    created = await submit(client, headers=headers, reporter={"name": "Trần Thị Mai"})
    for action, user, body in PATHS["published"]:
        await act(client, created["id"], action, body, headers=await tokens(user))
    return created


async def test_ratings_publish(app, client, tokens, browser, monkeypatch):
    async with listening(app) as heard:
        by_token = await report_in_state(client, tokens, "published")
        page = f"/theo-doi/{by_token['tracking_token']}"
        token = TOKEN.search((await browser.get(page)).text).group(1)
        r = await browser.post(page + "/danh-gia", data={"csrf_token": token, "score": "4"})
        assert r.status_code == 303
        assert (await heard.wait(by_token["id"], "rate"))["status"] == "published"

        me = await _citizen(client, monkeypatch)
        mine = await _published_for(client, tokens, me)
        browser.cookies.set("phananh_session", me["Authorization"].split()[1])
        page = f"/cua-toi/{mine['id']}"
        token = TOKEN.search((await browser.get(page)).text).group(1)
        r = await browser.post(page + "/danh-gia", data={"csrf_token": token, "score": "5"})
        assert r.status_code == 303
        assert (await heard.wait(mine["id"], "rate"))["status"] == "published"


async def test_erasures_publish(app, client, tokens, monkeypatch):
    async with listening(app) as heard:
        me = await _citizen(client, monkeypatch)
        through_api = await submit(client, headers=me, reporter={"name": "Trần Thị Mai"})
        r = await client.post("/api/v1/me/erase", headers=me, json={"confirm": True})
        assert r.status_code == 200, r.text
        assert (await heard.wait(through_api["id"], "erase_identity"))["status"] == "received"

        me = await _citizen(client, monkeypatch)
        through_page = await submit(client, headers=me, reporter={"name": "Trần Thị Mai"})
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as b:
            b.cookies.set("phananh_session", me["Authorization"].split()[1])
            token = TOKEN.search((await b.get("/cua-toi/xoa-thong-tin")).text).group(1)
            r = await b.post("/cua-toi/xoa-thong-tin", data={"csrf_token": token, "confirm": "1"})
            assert r.status_code == 303, r.text[:300]
        assert (await heard.wait(through_page["id"], "erase_identity"))["status"] == "received"


# --- Commands: the worker, CLI commands and seeding publish through Redis from their own engines -------------

# CLI commands walked by a test below (command -> the test that walks it).
WALKED_COMMANDS = {
    "worker": "test_the_workers_close_reaches_redis",
    "privacy retention": "test_cli_retention_reaches_redis",
    "seed-demo": "test_seeding_reaches_redis",
}
# CLI commands that write no report event (`move` copies events into a new database: nobody to tell yet).
NO_REPORT_CHANGE_COMMANDS = {
    "migrate", "serve", "create-user", "export", "move", "calendar days-off", "calendar deadline", "api-key create",
    "api-key list", "api-key revoke", "audit verify", "audit head", "audit seal", "user unlock", "user locked",
    "user reset-mfa", "demo reset-password", "media migrate", "province load",
}
REDIS_URL = os.environ.get("PHANANH_TEST_REDIS_URL", "redis://127.0.0.1:6379/7")


def _commands() -> set[str]:
    import click
    import typer.main

    from phananh.cli import app as cli

    out: set[str] = set()

    def walk(command, ctx, prefix: tuple[str, ...]) -> None:
        if hasattr(command, "list_commands"):
            for name in command.list_commands(ctx):
                walk(command.get_command(ctx, name), ctx, (*prefix, name))
        else:
            out.add(" ".join(prefix))

    root = typer.main.get_command(cli)
    walk(root, click.Context(root), ())
    return out


def test_every_command_is_walked_or_declared():
    commands = _commands()
    assert "privacy retention" in commands  # the walk sees the sub-commands
    undeclared = commands - set(WALKED_COMMANDS) - NO_REPORT_CHANGE_COMMANDS
    assert not undeclared, f"walk these in tests/live/test_pipeline_coverage.py, or declare them: {undeclared}"
    assert not (set(WALKED_COMMANDS) | NO_REPORT_CHANGE_COMMANDS) - commands, "declared commands that are gone"
    assert set(WALKED_COMMANDS.values()) <= set(globals())


@pytest.fixture
def redis_channel(monkeypatch) -> str:
    """A channel of the real Redis that only this test uses; commands publish on it (live.commands.CHANNEL)."""
    import redis

    from phananh.live import commands

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception:
        if IN_CI:
            pytest.fail(f"Redis is required under CI but does not answer at {REDIS_URL}")
        pytest.skip(f"Redis does not answer at {REDIS_URL}")
    channel = f"phananh:test:{uuid.uuid4().hex}"
    monkeypatch.setattr(commands, "CHANNEL", channel)
    return channel


@asynccontextmanager
async def listening_on_redis(channel: str):
    """What a server on another machine hears: a hub of its own on the channel."""
    hub = Hub(REDIS_URL, channel=channel)
    try:
        async with hub.subscribe() as queue:
            yield Heard(queue)
    finally:
        await hub.close()


def _run_cli(monkeypatch, env: dict[str, str], *args: str):
    """`phananh ARGS` in a thread (its own event loop, as from a shell) with PHANANH_* from `env`."""
    from typer.testing import CliRunner

    from phananh.cli import app as cli
    from phananh.config import get_settings

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, list(args))
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, (result.output, result.exception)
    return result


async def test_the_workers_close_reaches_redis(app, client, tokens, clock, redis_channel):
    """The worker's engine (publishing_engine, as in run_worker) publishes the automatic close to Redis."""
    published = await report_in_state(client, tokens, "published")
    settings = app.state.settings.model_copy(update={"redis_url": REDIS_URL})
    async with listening_on_redis(redis_channel) as heard:
        later = clock() + timedelta(days=settings.close_after_days + 1)
        async with publishing_engine(settings) as engine:
            closed = await close_published(engine, now=later, settings=settings)
        assert published["id"] in closed
        assert (await heard.wait(published["id"], "close"))["status"] == "closed"


async def test_cli_retention_reaches_redis(app, client, tokens, clock, db_url, redis_channel, monkeypatch):
    clock.set(datetime(2010, 3, 1, 3, 0, tzinfo=timezone.utc))  # long before any other test's reports
    try:
        old = await report_in_state(client, tokens, "closed")
    finally:
        clock.fixed = None
    async with listening_on_redis(redis_channel) as heard:
        result = await asyncio.to_thread(_run_cli, monkeypatch, {"PHANANH_DATABASE_URL": db_url,
                                                                 "PHANANH_REDIS_URL": REDIS_URL},
                                         "privacy", "retention", "--years", "15")
        assert result.output.startswith("1 report(s) anonymised"), result.output
        assert (await heard.wait(old["id"], "erase_identity"))["status"] == "closed"


async def test_seeding_reaches_redis(tmp_path, redis_channel, monkeypatch):
    """`phananh seed-demo` into a fresh database: every sample report's submit reaches Redis."""
    from phananh.migrate import upgrade

    url = f"sqlite+aiosqlite:///{tmp_path / 'seed.db'}"
    await asyncio.to_thread(upgrade, url)
    env = {"PHANANH_DATABASE_URL": url, "PHANANH_REDIS_URL": REDIS_URL, "PHANANH_VAR_DIR": str(tmp_path / "var"),
           "PHANANH_MEDIA_DIR": str(tmp_path / "var" / "media")}
    async with listening_on_redis(redis_channel) as heard:
        result = await asyncio.to_thread(_run_cli, monkeypatch, env, "seed-demo")
        seeded = int(result.output.split(" sample reports")[0].rsplit(" ", 1)[1])
        assert seeded > 10
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                report_ids = (await conn.execute(select(reports.c.id))).scalars().all()
                closes = (await conn.execute(select(events.c.report_id).where(events.c.action == "close")))\
                    .scalars().all()
        finally:
            await engine.dispose()
        assert len(report_ids) == seeded and closes
        for rid in report_ids:
            await heard.wait(rid, "submit")
        await heard.wait(closes[0], "close")
