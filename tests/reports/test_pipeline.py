"""The one event pipeline (reports/pipeline.py): its order, one row write per action, statistics counting SLA's
outcomes, and a submit planned through the same stages."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from phananh.auth.principal import Principal
from phananh.auth.tables import users
from phananh.batch import Ref
from phananh.notifications import flows as notifications
from phananh.reports import pipeline, service
from phananh.reports.tables import reports
from phananh.sla.tables import sla_clocks
from phananh.stats.facts import duration_seconds
from phananh.stats.tables import stats_stages
from phananh.workflow import Action, Role
from tests.sla.support import local
from tests.support import AGENCY, OTHER_AGENCY, act, submit


def test_the_order_is_sla_then_statistics_then_notifications():
    assert [stage.name for stage in pipeline.STAGES] == ["sla", "stats", "notifications"]


@contextmanager
def statements(engine):
    """Every SQL statement sent through `engine` meanwhile."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, _parameters, _context, _executemany):
        seen.append(" ".join(statement.split()))

    sa_event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa_event.remove(engine.sync_engine, "before_cursor_execute", record)


async def _as_dispatcher(conn) -> Principal:
    user_id = (await conn.execute(select(users.c.id).where(users.c.username == "dispatcher"))).scalar_one()
    return Principal(role=Role.dispatcher, user_id=user_id, username="dispatcher")


async def test_an_assign_writes_the_report_row_once_and_reads_the_clocks_once(client, engine, settings, clock):
    rid = (await submit(client))["id"]
    async with engine.begin() as conn:
        due_before = (await conn.execute(select(reports.c.next_due_at).where(reports.c.id == rid))).scalar_one()
        with statements(engine) as seen:
            await service.apply_action(conn, report_id=rid, action="assign", body={"agency": AGENCY},
                                       principal=await _as_dispatcher(conn), now=clock(), settings=settings)
        row = (await conn.execute(select(reports.c.status, reports.c.version, reports.c.next_due_at)
                                  .where(reports.c.id == rid))).one()
    updates = [s for s in seen if re.match(r"UPDATE reports\b", s)]
    assert len(updates) == 1, updates
    # status, version and the deadline go out together: the assign moved next_due_at (distribute -> respond).
    assert all(column in updates[0] for column in ("status", "version", "next_due_at"))
    assert row.status == "assigned" and row.version == 2 and row.next_due_at != due_before
    clock_reads = [s for s in seen if s.startswith("SELECT") and "FROM sla_clocks" in s]
    assert len(clock_reads) == 1, clock_reads


async def test_an_action_that_moves_no_clock_reads_no_clock(client, engine, settings, clock):
    rid = (await submit(client))["id"]
    async with engine.begin() as conn:
        with statements(engine) as seen:
            await service.apply_action(conn, report_id=rid, action="comment",
                                       body={"text": "Đã xem hiện trường", "public": False},
                                       principal=await _as_dispatcher(conn), now=clock(), settings=settings)
    assert len([s for s in seen if re.match(r"UPDATE reports\b", s)]) == 1
    assert not [s for s in seen if "sla_clocks" in s]


async def test_statistics_count_the_outcomes_sla_wrote(client, tokens, clock, engine):
    """A stage stopped late and one stopped on time: the stage counters of that day hold exactly the outcomes
    (and durations) of the stopped clocks, as SLA decided them."""
    dispatcher = await tokens("dispatcher")
    day = local("2031-07-16 00:00")  # a Wednesday no other test's clock visits
    clock.set(day - timedelta(days=3) + timedelta(hours=9))
    rid = (await submit(client))["id"]
    clock.set(day + timedelta(hours=9))
    await act(client, rid, "assign", {"agency": OTHER_AGENCY}, dispatcher)  # distribute: three days late
    clock.set(day + timedelta(hours=9, minutes=1))
    await act(client, rid, "return", {"reason": "Không thuộc thẩm quyền"},  # return: a minute, on time
              await tokens(f"handler.{OTHER_AGENCY}"))

    async with engine.connect() as conn:
        clocks = (await conn.execute(
            select(sla_clocks.c.stage, sla_clocks.c.outcome, sla_clocks.c.started_at, sla_clocks.c.stopped_at)
            .where(sla_clocks.c.report_id == rid, sla_clocks.c.outcome.in_(("on_time", "late"))))).all()
        counted = (await conn.execute(
            select(stats_stages.c.stage, stats_stages.c.outcome, func.sum(stats_stages.c.n),
                   func.sum(stats_stages.c.seconds))
            .where(stats_stages.c.day == day.date())
            .group_by(stats_stages.c.stage, stats_stages.c.outcome))).all()
    by_sla: dict[tuple[str, str], tuple[int, int]] = {}
    for stage, outcome, started_at, stopped_at in clocks:
        n, seconds = by_sla.get((stage, outcome), (0, 0))
        by_sla[(stage, outcome)] = (n + 1, seconds + duration_seconds(started_at, stopped_at))
    assert by_sla == {("distribute", "late"): (1, 3 * 24 * 3600), ("return", "on_time"): (1, 60)}
    assert {(stage, outcome): (int(n), int(s)) for stage, outcome, n, s in counted if n} == by_sla


async def test_a_submit_is_planned_through_the_same_stages(engine, clock):
    clock.set(local("2026-12-02 09:00"))
    report = {"id": Ref("report"), "created_at": clock(), "category_id": 1, "area_id": None, "agency_id": None,
              "status": "received", "urgent": False, "contacted_at": None, "rating": None}
    event = {"report_id": Ref("report"), "action": "submit", "at": clock(), "agency_id": None}
    async with engine.connect() as conn:
        planned = await pipeline.plan_submit(conn, report=report, event=event)
    assert [c["stage"] for c in planned.sla.started] == ["distribute"]
    assert planned.sla.next_due_at == planned.sla.started[0]["due_at"]
    tables = [step.table.name for step in planned.steps]
    assert tables[0] == "sla_clocks" and "stats_reports" in tables  # SLA's writes, then the counters


async def test_a_stage_reacting_to_submit_without_a_plan_is_an_error_not_a_skip(engine, clock, monkeypatch):
    async def notify_someone(conn, event, report):
        return []

    monkeypatch.setitem(notifications._BY_ACTION, Action.submit, notify_someone)
    report = {"id": Ref("report"), "created_at": clock(), "category_id": 1, "area_id": None, "agency_id": None,
              "status": "received", "urgent": False, "contacted_at": None, "rating": None}
    event = {"report_id": Ref("report"), "action": "submit", "at": clock(), "agency_id": None}
    async with engine.connect() as conn:
        with pytest.raises(pipeline.Unplannable, match="submit"):
            await pipeline.plan_submit(conn, report=report, event=event)
