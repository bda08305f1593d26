"""The incremental figures equal a recomputation from the raw events, after any sequence of actions.

Each backend gets its own fresh database, so that the comparison covers every row in it. Hypothesis drives
random actions through the API (most are refused by the workflow, which is fine: refused actions must not
count either), under a clock that only moves forward by random steps so that stages end on time or late.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import func, select

from phananh.app import create_app
from phananh.auth.service import issue_token
from phananh.auth.tables import users
from phananh.config import Settings
from phananh.db import create_engine
from phananh.reports.tables import reports
from phananh.stats.rebuild import rebuild
from phananh.workflow.machine import ACTIONS
from tests.conftest import DEMO_PASSWORD, Clock, make_database
from tests.stats.recompute import counters, expected

AGENCIES = ("so-xay-dung", "ubnd-xa-dat-mui")
CATEGORIES = ("giao-thong", "ve-sinh-moi-truong")
AREAS = ("xa-dat-mui", None)
START = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)


def run(coro):
    """Run on a private event loop in a worker thread: the session loop of the other tests is left alone."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def world(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"exact-{request.param}")
    url, drop = run(asyncio.to_thread(make_database, request.param, tmp))
    state = {"url": url, "media": tmp / "media", "now": START, "reports": []}
    yield state
    drop()


class Driver:
    def __init__(self, client, clock, headers, state):
        self.client, self.clock, self.headers, self.state = client, clock, headers, state

    def tick(self, minutes: int) -> None:
        self.state["now"] += timedelta(minutes=minutes, seconds=7)
        self.clock.set(self.state["now"])

    async def step(self, kind: str, pick: int, choice: int) -> None:
        known = self.state["reports"]
        if kind == "submit" or not known:
            body = {"category": CATEGORIES[choice % 2], "description": "Cống thoát nước bị tắc, nước tràn ra đường.",
                    "title": "Ngập đường", "anonymous": True, "language": "vi",
                    "area": AREAS[choice % 2], "address": "Ấp Mũi, xã Đất Mũi"}
            r = await self.client.post("/api/v1/reports", json={k: v for k, v in body.items() if v is not None})
            assert r.status_code == 201, r.text
            known.append({"id": r.json()["id"], "token": r.json()["tracking_token"], "agency": None,
                          "status": "received"})
            return
        report = known[pick % len(known)]
        # Mostly an action the report's state allows (so that long paths happen), sometimes any action.
        possible = [a for a, spec in ACTIONS.items() if a != "submit" and (kind == "any" or report["status"] in spec.sources)]
        action = possible[choice % len(possible)] if possible else "comment"
        body, headers = {}, self.headers["dispatcher"]
        if action == "assign":
            report["agency"] = AGENCIES[choice % 2]
            body = {"agency": report["agency"]}
        elif action in ("reject", "return", "rework", "reopen"):
            body = {"reason": "Lý do kiểm thử"}
        elif action == "merge":
            body = {"into": known[(pick + 1) % len(known)]["id"]}
        elif action == "respond":
            body = {"message": "Đã tiếp nhận, đang xử lý"}
        elif action == "resolve":
            body = {"result": "Đã khơi thông cống"}
        elif action == "rate":
            body, headers = {"score": choice % 5 + 1, "comment": "Được"}, {"X-Tracking-Token": report["token"]}
        elif action == "log_contact":
            body = {"contact": "Chủ tịch UBND xã", "channel": "phone", "outcome": "Đã nhận thông tin"}
        elif action == "comment":
            body = {"text": "Ghi chú nội bộ", "public": False}
        elif action == "reclassify":
            body = {"category": CATEGORIES[(choice + pick) % 2], "reason": "Sai lĩnh vực"}
        if action in ("return", "respond", "resolve"):
            headers = self.headers[f"handler.{report['agency'] or AGENCIES[0]}"]
        r = await self.client.post(f"/api/v1/reports/{report['id']}/actions/{action}", json=body, headers=headers)
        assert r.status_code in (200, 403, 409, 422), r.text
        if r.status_code == 200:
            report["status"] = r.json()["status"]
            if action == "return":
                report["agency"] = None


async def _play(state: dict, program: list[tuple[str, int, int, int]]) -> None:
    settings = Settings(database_url=state["url"], media_dir=state["media"], demo_password=DEMO_PASSWORD)
    engine = create_engine(state["url"])
    app = create_app(settings)
    app.state.engine, app.state.clock = engine, Clock()
    try:
        headers = {}
        async with engine.begin() as conn:
            for username in ("dispatcher", *(f"handler.{a}" for a in AGENCIES)):
                user_id = (await conn.execute(select(users.c.id).where(users.c.username == username))).scalar_one()
                token, _ = await issue_token(conn, user_id=user_id, settings=settings)
                headers[username] = {"Authorization": f"Bearer {token}"}
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=True)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            driver = Driver(client, app.state.clock, headers, state)
            for kind, pick, choice, minutes in program:
                driver.tick(minutes)
                await driver.step(kind, pick, choice)

            async with engine.connect() as conn:
                want, have = await expected(conn), await counters(conn)
                assert have == want
                await conn.rollback()
                async with conn.begin() as trans:  # the set-based rebuild agrees too (then is undone)
                    await rebuild(conn)
                    assert await counters(conn) == want
                    await trans.rollback()
                by_status = dict((await conn.execute(
                    select(reports.c.status, func.count()).group_by(reports.c.status))).all())
            first = START.date() - timedelta(days=1)
            ov = (await client.get("/api/v1/stats/overview", headers=headers["dispatcher"], params={
                "from": first.isoformat(), "to": (state["now"] + timedelta(days=1)).date().isoformat()})).json()
            assert {k: v for k, v in ov["by_status"].items() if v} == by_status
            # The filtered path (the cubes) agrees with the province-wide one (the marginals).
            parts = [(await client.get("/api/v1/stats/overview", headers=headers["dispatcher"], params={
                "from": first.isoformat(), "to": (state["now"] + timedelta(days=1)).date().isoformat(),
                "category": c})).json() for c in CATEGORIES]
            for figure in ("by_status", "satisfaction"):
                if figure == "satisfaction":
                    assert sum(p["satisfaction"]["count"] for p in parts) == ov["satisfaction"]["count"]
                else:
                    assert {k: sum(p[figure][k] for p in parts) for k in ov[figure]} == ov[figure]
            for stage, whole in ov["on_time"]["by_stage"].items():
                assert sum(p["on_time"]["by_stage"][stage]["late"] for p in parts) == whole["late"]
                assert sum(p["durations"][stage]["count"] for p in parts) == ov["durations"][stage]["count"]
    finally:
        await engine.dispose()


steps = st.tuples(st.sampled_from(["submit", "valid", "valid", "valid", "valid", "any"]), st.integers(0, 7),
                  st.integers(0, 15), st.sampled_from([1, 5, 20, 45, 90, 200, 800]))


@hsettings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(program=st.lists(steps, min_size=1, max_size=40))
def test_incremental_figures_equal_a_recomputation_from_the_events(world, program):
    run(_play(world, program))

