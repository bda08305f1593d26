"""The one event pipeline: every committed change to a report goes through here, in one order written as code.

Whatever the entry (REST, web consoles and forms, Open311, CLI, scheduler, seeding), the reports service decides
the change (workflow.decide, the action's effect) and hands it to `commit` (an event on an existing report) or to
`plan_submit` (a new report). From there the order is `STAGES`, and nothing else:

1. **sla** decides first, from one read of the running clocks: which clocks the event stops and how each ends
   (on time, late, void), which it starts or recomputes, and the report's new `next_due_at`
   (`sla.service.SlaResult`). Its decision is taken before the report row is written, so that the row is
   written once per event, `next_due_at` included; as a stage it then writes the clocks.
2. **stats** moves the counter cells; the stage outcomes it counts are read from SLA's result, never computed.
3. **notifications** writes the outbox rows of the people the event concerns.
4. **live**: after commit, from the engine hook (`live/after_commit.py`); the pipeline only notes the event, so
   that nothing is published for a transaction that rolls back.

A submit takes the same stages, each planned without reading (`Stage.plan`), so that the report, its clocks,
its event, its media and its counters go out in one `Batch` (one statement on PostgreSQL: intake speed). A stage
that would react to a submit in a way it cannot plan raises `Unplannable` instead of being skipped.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncConnection

from phananh.batch import Step
from phananh.domain_errors import Conflict
from phananh.live import after_commit
from phananh.notifications import flows as notifications
from phananh.reports.tables import events, reports
from phananh.sla import service as sla
from phananh.sla.tables import sla_clocks
from phananh.stats import flows as stats
from phananh.workflow import Action

# Values passed at execution rather than with .values(): no per-call statement building (issue 7's profile).
_INSERT_EVENT = insert(events).returning(events.c.id)


class Unplannable(RuntimeError):
    """A stage reacts to a submit in a way that cannot be planned into the submit's one batch."""


@dataclass(frozen=True)
class Change:
    """One event going through the pipeline: the event row (with its id, or `Ref("event")` for a submit), the
    report row after it (id a `Ref("report")` for a submit), and SLA's decision, taken first."""

    event: dict
    report: dict
    sla: sla.SlaResult


@dataclass(frozen=True)
class Stage:
    name: str
    run: Callable[[AsyncConnection, Change], Awaitable[None]]  # an event on an existing report, in its transaction
    plan: Callable[[Change], list[Step]]  # a submit: the writes, planned without reading, for the submit's batch


async def _sla_run(conn: AsyncConnection, change: Change) -> None:
    await sla.apply(conn, report_id=change.report["id"], result=change.sla, now=change.event["at"])


def _sla_plan(change: Change) -> list[Step]:
    if not change.sla.started:
        return []
    return [Step(sla_clocks, [{"report_id": change.report["id"], **clock} for clock in change.sla.started])]


async def _stats_run(conn: AsyncConnection, change: Change) -> None:
    await stats.on_event(conn, event=change.event, report=change.report, sla=change.sla)


def _stats_plan(change: Change) -> list[Step]:
    return stats.new_report_writes(event=change.event, report=change.report, report_id=change.report["id"])


async def _notifications_run(conn: AsyncConnection, change: Change) -> None:
    await notifications.on_event(conn, event=change.event, report=change.report)


def _notifications_plan(change: Change) -> list[Step]:
    action = change.event["action"]
    if notifications.reacts_to(action):  # its builders read the directory and the staff: not plannable today
        raise Unplannable(f"notifications react to {action!r}, which is planned in one batch without reading; "
                          "plan its outbox rows in reports/pipeline.py before enabling it")
    return []


# The order is this tuple, and nothing else (tests/reports/test_pipeline.py holds it).
STAGES: tuple[Stage, ...] = (
    Stage("sla", _sla_run, _sla_plan),
    Stage("stats", _stats_run, _stats_plan),
    Stage("notifications", _notifications_run, _notifications_plan),
)


async def commit(conn: AsyncConnection, *, report: dict, changes: dict[str, Any], event: dict) -> dict:
    """Write one event on an existing report in the caller's transaction; returns the event (with its id and scope).

    `report`: the row as read; `changes`: its columns the event sets (with `status` for an action); `event`: the
    event row without its id. SLA decides first; the row is then UPDATEd once under the optimistic version check
    (of two racing changes exactly one wins, the other gets 409) with `next_due_at`; the event is appended and the
    stages run in order; the live publish is noted for after commit.
    """
    now = event["at"]
    urgent = bool(changes.get("urgent", report["urgent"]))
    decided = await sla.decide(conn, action=event["action"], now=now, urgent=urgent, report_id=report["id"],
                               urgency_changed=urgent != bool(report["urgent"]), next_due_at=report["next_due_at"])
    values = {**changes, "updated_at": now, "version": report["version"] + 1}
    if decided.next_due_at != report["next_due_at"]:
        values["next_due_at"] = decided.next_due_at
    written = await conn.execute(
        update(reports).where(reports.c.id == report["id"], reports.c.version == report["version"]).values(**values))
    if written.rowcount != 1:
        raise Conflict("concurrent_update", "Someone else changed this report at the same moment; reload and try again.")
    after = {**report, **values}
    event = {**event, "id": (await conn.execute(_INSERT_EVENT, event)).scalar_one()}
    change = Change(event=event, report=after, sla=decided)
    for stage in STAGES:
        await stage.run(conn, change)
    # Where the report stands after the event: live streams filter by it without reading the report again.
    event["scope"] = {"agency_id": after.get("agency_id"), "area_id": after.get("area_id")}
    after_commit.note(conn, event)  # published to live streams once the caller's transaction commits
    return event


@dataclass(frozen=True)
class SubmitPlan:
    sla: sla.SlaResult  # the clocks a submit starts and the new report's next_due_at
    steps: list[Step]  # every stage's writes, in stage order, for the batch after the report and its event


async def plan_submit(conn: AsyncConnection, *, report: dict, event: dict) -> SubmitPlan:
    """A submit through the same stages, planned: `report` is the new row's values with `id` = `Ref("report")`,
    `event` its submit event. Nothing is read but SLA's rules (cached per process)."""
    decided = await sla.decide(conn, action=Action.submit, now=event["at"], urgent=bool(report["urgent"]))
    change = Change(event=event, report={**report, "next_due_at": decided.next_due_at}, sla=decided)
    steps: list[Step] = []
    for stage in STAGES:
        steps += stage.plan(change)
    return SubmitPlan(decided, steps)
