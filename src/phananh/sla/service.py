"""SLA clocks on the lifecycle: which action starts and stops which stage clock (ARCHITECTURE §4).

The arithmetic lives in `clock.py`; this module only stores its answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from datetime import time as dtime
from typing import Any

from sqlalchemy import Row, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from phananh.ops import rules
from phananh.reports.tables import reports
from phananh.sla.calendar import TZ, CalendarDay, WorkingCalendar, seed_days
from phananh.sla.clock import at_risk_at, deadline, lateness, stage_status
from phananh.sla.policy import FALLBACK_POLICY, SlaPolicy
from phananh.sla.tables import calendar_days, sla_clocks, sla_policies
from phananh.workflow import Action

# action -> (stages it stops and judges, stages it voids, stages it starts); every action has its entry.
_NO_CLOCKS: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]] = ((), (), ())
CLOCK_RULES: dict[Action, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    Action.submit: ((), (), ("distribute",)),
    Action.assign: (("distribute",), (), ("return", "respond")),
    Action.reject: (("distribute",), (), ()),
    Action.merge: (("distribute",), (), ()),
    Action.return_: (("return", "respond"), (), ("distribute",)),
    Action.respond: (("respond",), ("return",), ()),
    Action.resolve: (("respond",), ("return",), ("publish",)),
    Action.rework: (("publish",), (), ()),
    Action.publish: (("publish",), (), ()),
    Action.reopen: ((), (), ("respond",)),
    # Clocks run on through these (flag_urgent/unflag_urgent recompute the running deadlines instead).
    Action.rate: _NO_CLOCKS,
    Action.close: _NO_CLOCKS,
    Action.flag_urgent: _NO_CLOCKS,
    Action.unflag_urgent: _NO_CLOCKS,
    Action.log_contact: _NO_CLOCKS,
    Action.delegate: _NO_CLOCKS,
    Action.comment: _NO_CLOCKS,
    Action.make_public: _NO_CLOCKS,
    Action.redact: _NO_CLOCKS,
    Action.reclassify: _NO_CLOCKS,
}


def clock_rule(action: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(stops, voids, starts) of an event's action; a system event (`SystemEvent`) touches no clock."""
    return CLOCK_RULES[Action(action)] if action in CLOCK_RULES else _NO_CLOCKS


# The respond clock is stopped by `return` without a verdict on the agency's answer time.
VOID_ON_RETURN = {"respond"}

RECOMPUTE_BATCH = 2000
# Per engine: (rules version, policy, calendar), used while the "sla" rules version is current (phananh.ops.rules).
_cache: dict[int, tuple[int, SlaPolicy, WorkingCalendar]] = {}


def invalidate() -> None:
    _cache.clear()


async def load_rules(conn: AsyncConnection) -> tuple[SlaPolicy, WorkingCalendar]:
    """The active policy (highest version) and the working calendar, cached per process while the "sla" rules
    version is current: a calendar or policy change made on any server is used here at once (ops.rules)."""
    key = id(conn.engine.sync_engine)
    hit = _cache.get(key)
    version = await rules.version_to_use(conn, rules.SLA, hit[0] if hit else None)
    if hit and hit[0] == version:
        return hit[1], hit[2]
    row = (await conn.execute(select(sla_policies.c.data).order_by(sla_policies.c.version.desc()).limit(1))).first()
    policy = SlaPolicy.from_dict(row[0]) if row else FALLBACK_POLICY
    days = [
        CalendarDay(day=r.day, kind=r.kind, name=r.name, source=r.source)
        for r in (await conn.execute(select(calendar_days).where(calendar_days.c.removed_at.is_(None)))).all()
    ]
    calendar = WorkingCalendar(days)
    _cache[key] = (version, policy, calendar)
    return policy, calendar


async def seed_calendar(conn: AsyncConnection, years: range) -> int:
    """Insert the holidays library's days for `years`, leaving dates that already have a row alone."""
    existing = {r[0] for r in (await conn.execute(select(calendar_days.c.day))).all()}
    rows = [
        {"day": d.day, "kind": d.kind, "name": d.name, "source": d.source, "note": None}
        for year in years
        for d in seed_days(year)
        if d.day not in existing
    ]
    if rows:
        await conn.execute(insert(calendar_days), rows)
        await rules.bump(conn, rules.SLA)
    invalidate()
    return len(rows)


async def on_action(
    conn: AsyncConnection, *, report_id: int, action: str, now: datetime, urgent: bool
) -> datetime | None:
    """Stop, void and start the clocks `action` touches; returns the report's new earliest due instant."""
    stops, voids, starts = clock_rule(action)
    if stops or voids:
        running = (
            await conn.execute(
                select(sla_clocks.c.id, sla_clocks.c.stage, sla_clocks.c.due_at).where(
                    sla_clocks.c.report_id == report_id, sla_clocks.c.stopped_at.is_(None)
                )
            )
        ).all()
        for clock_id, stage, due in running:
            if stage in voids or (action == "return" and stage in VOID_ON_RETURN):
                values = {"stopped_at": now, "outcome": "void"}
            elif stage in stops:
                late = lateness(due, now)
                values = {"stopped_at": now, "outcome": "late" if late else "on_time",
                          "late_seconds": int(late.total_seconds())}
            else:
                continue
            await conn.execute(update(sla_clocks).where(sla_clocks.c.id == clock_id).values(**values))
    if starts:
        await conn.execute(insert(sla_clocks), [
            {"report_id": report_id, **clock} for clock in await new_clocks(conn, action=action, now=now, urgent=urgent)
        ])
    return await next_due(conn, report_id)


async def new_clocks(conn: AsyncConnection, *, action: str, now: datetime, urgent: bool) -> list[dict]:
    """The clocks `action` starts at `now`, computed but not stored (submit stores them with the new report)."""
    policy, calendar = await load_rules(conn)
    clocks = []
    for stage in clock_rule(action)[2]:
        due = deadline(now, stage, policy, calendar, urgent=urgent)
        clocks.append({"stage": stage, "started_at": now, "due_at": due,
                       "at_risk_at": at_risk_at(now, due, policy, calendar), "policy_version": policy.version,
                       "urgent": urgent})
    return clocks


async def next_due(conn: AsyncConnection, report_id: int) -> datetime | None:
    due: datetime | None = (
        await conn.execute(
            select(func.min(sla_clocks.c.due_at)).where(
                sla_clocks.c.report_id == report_id, sla_clocks.c.stopped_at.is_(None)
            )
        )
    ).scalar()
    return due


_RUNNING = (sla_clocks.c.id, sla_clocks.c.report_id, sla_clocks.c.stage, sla_clocks.c.started_at, sla_clocks.c.due_at,
            sla_clocks.c.at_risk_at, sla_clocks.c.urgent, sla_clocks.c.policy_version,
            sla_clocks.c.at_risk_flagged_at, sla_clocks.c.overdue_flagged_at)


async def recompute_running(conn: AsyncConnection, *, report_id: int, urgent: bool) -> datetime | None:
    """Recompute the deadlines of a report's running clocks (its urgency changed) from their start."""
    policy, calendar = await load_rules(conn)
    rows = (
        await conn.execute(select(*_RUNNING).where(sla_clocks.c.report_id == report_id, sla_clocks.c.stopped_at.is_(None)))
    ).all()
    await _store(conn, _recomputed(rows, policy, calendar, urgent=urgent))
    return await next_due(conn, report_id)


async def recompute_all_running(conn: AsyncConnection, *, day: date | None = None) -> int:
    """After a calendar or policy change: recompute every running clock the change can move; returns how many moved.

    A deadline depends on the calendar only from its start date to its due date, so a change of one `day`
    touches only the clocks whose window covers it.
    """
    policy, calendar = await load_rules(conn)
    c = sla_clocks.c
    query = select(*_RUNNING).where(c.stopped_at.is_(None))
    if day is not None:
        midnight = datetime.combine(day, dtime(0), tzinfo=TZ)
        query = query.where(c.started_at < midnight + timedelta(days=1), c.due_at >= midnight)
    moved, last_id = 0, 0
    while True:
        rows = (await conn.execute(query.where(c.id > last_id).order_by(c.id).limit(RECOMPUTE_BATCH))).all()
        if not rows:
            return moved
        last_id = rows[-1].id
        changes = _recomputed(rows, policy, calendar)
        await _store(conn, changes)
        moved += len(changes)


def _recomputed(
    rows: Iterable[Row[Any]], policy: SlaPolicy, calendar: WorkingCalendar, *, urgent: bool | None = None
) -> list[dict]:
    """The clocks whose deadline, at-risk instant, policy version or urgency changes.

    A flag (at risk, overdue) stays only if it would still have been raised when it was; otherwise it is
    cleared, so that the sweep flags and notifies the new instant when it passes.
    """
    changes = []
    for r in rows:
        is_urgent = r.urgent if urgent is None else urgent
        due = deadline(r.started_at, r.stage, policy, calendar, urgent=is_urgent)
        risk = at_risk_at(r.started_at, due, policy, calendar)
        if (due, risk, policy.version, is_urgent) == (r.due_at, r.at_risk_at, r.policy_version, r.urgent):
            continue
        changes.append({
            "clock_id": r.id, "clock_report": r.report_id, "new_due": due, "new_risk": risk,
            "new_version": policy.version, "new_urgent": is_urgent,
            "new_overdue_flag": _kept(r.overdue_flagged_at, due), "new_risk_flag": _kept(r.at_risk_flagged_at, risk),
        })
    return changes


def _kept(flagged_at: datetime | None, instant: datetime) -> datetime | None:
    return flagged_at if flagged_at is not None and instant < flagged_at else None


async def _store(conn: AsyncConnection, changes: list[dict]) -> None:
    """Write recomputed clocks (one executemany) and their reports' earliest due instant (one UPDATE)."""
    if not changes:
        return
    c = sla_clocks.c
    await conn.execute(
        update(sla_clocks).where(c.id == bindparam("clock_id")).values(
            due_at=bindparam("new_due"), at_risk_at=bindparam("new_risk"), policy_version=bindparam("new_version"),
            urgent=bindparam("new_urgent"), overdue_flagged_at=bindparam("new_overdue_flag"),
            at_risk_flagged_at=bindparam("new_risk_flag"),
        ),
        changes,
    )
    earliest = select(func.min(c.due_at)).where(c.report_id == reports.c.id, c.stopped_at.is_(None)).scalar_subquery()
    report_ids = sorted({ch["clock_report"] for ch in changes})
    await conn.execute(update(reports).where(reports.c.id.in_(report_ids)).values(next_due_at=earliest))


def deadline_view(clock: Mapping[Any, Any], now: datetime) -> dict:
    status = stage_status(due=clock["due_at"], at_risk_at=clock["at_risk_at"], now=now)
    return {
        "stage": clock["stage"],
        "started_at": clock["started_at"],
        "due_at": clock["due_at"],
        "overdue": status == "overdue",
        "at_risk": status == "at_risk",
    }


async def running_deadlines(conn: AsyncConnection, report_ids: list[int], now: datetime) -> dict[int, list[dict]]:
    if not report_ids:
        return {}
    rows = (
        await conn.execute(
            select(sla_clocks.c.report_id, sla_clocks.c.stage, sla_clocks.c.started_at, sla_clocks.c.due_at,
                   sla_clocks.c.at_risk_at)
            .where(sla_clocks.c.report_id.in_(report_ids), sla_clocks.c.stopped_at.is_(None))
            .order_by(sla_clocks.c.due_at)
        )
    ).mappings().all()
    out: dict[int, list[dict]] = {}
    for r in rows:
        out.setdefault(r["report_id"], []).append(deadline_view(r, now))
    return out


def years_around(today: date) -> range:
    return range(today.year - 1, today.year + 3)

