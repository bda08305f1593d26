"""SLA clocks on the lifecycle: which action starts and stops which stage clock (ARCHITECTURE §4).

The arithmetic lives in `clock.py`; this module only stores its answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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
    calendar = WorkingCalendar(days, policy.office_hours)  # the pack's office hours, else the default ones
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


@dataclass(frozen=True)
class Stopped:
    """A clock an event stops, with SLA's verdict: `on_time`, `late`, or `void` (stopped without a verdict)."""

    clock_id: int
    stage: str
    started_at: datetime
    due_at: datetime
    outcome: str
    late_seconds: int | None


@dataclass(frozen=True)
class SlaResult:
    """What one event does to a report's clocks, decided from one read of its running clocks (`decide`) and
    written by `apply`: the clocks it stops (with their outcomes), starts and recomputes, and the report's new
    earliest due instant. The event pipeline (reports/pipeline.py) writes `next_due_at` with the report row and
    hands the outcomes to statistics, which compute none themselves."""

    next_due_at: datetime | None
    stopped: tuple[Stopped, ...] = ()
    started: tuple[dict, ...] = ()
    recomputed: tuple[dict, ...] = ()

    @property
    def judged(self) -> tuple[Stopped, ...]:
        """The stopped clocks with a verdict (on time or late), as statistics count them."""
        return tuple(s for s in self.stopped if s.outcome != "void")


async def decide(
    conn: AsyncConnection, *, action: str, now: datetime, urgent: bool, report_id: int | None = None,
    urgency_changed: bool = False, next_due_at: datetime | None = None,
) -> SlaResult:
    """Which clocks `action` stops (and how each ends), voids, starts, and, when the urgency changed, recomputes;
    nothing is written (`apply` does). `report_id` None: a new report (no running clock). The running clocks
    are read once, and only when the action touches them; otherwise `next_due_at` (the report's) stands."""
    stops, voids, starts = clock_rule(action)
    if not (stops or voids or starts or urgency_changed):
        return SlaResult(next_due_at=next_due_at)
    running: list[Row[Any]] = []
    if report_id is not None:
        running = list((await conn.execute(
            select(*_RUNNING).where(sla_clocks.c.report_id == report_id, sla_clocks.c.stopped_at.is_(None))
        )).all())
    stopped, still = [], []
    for r in running:
        if r.stage in voids or (action == "return" and r.stage in VOID_ON_RETURN):
            stopped.append(Stopped(r.id, r.stage, r.started_at, r.due_at, "void", None))
        elif r.stage in stops:
            late = lateness(r.due_at, now)
            stopped.append(Stopped(r.id, r.stage, r.started_at, r.due_at, "late" if late else "on_time",
                                   int(late.total_seconds())))
        else:
            still.append(r)
    recomputed: list[dict] = []
    if urgency_changed and still:
        policy, calendar = await load_rules(conn)
        recomputed = _recomputed(still, policy, calendar, urgent=urgent)
    started = await new_clocks(conn, action=action, now=now, urgent=urgent) if starts else []
    moved = {ch["clock_id"]: ch["new_due"] for ch in recomputed}
    dues = [moved.get(r.id, r.due_at) for r in still] + [c["due_at"] for c in started]
    return SlaResult(next_due_at=min(dues, default=None), stopped=tuple(stopped), started=tuple(started),
                     recomputed=tuple(recomputed))


_STOP = update(sla_clocks).where(sla_clocks.c.id == bindparam("clock_id")).values(
    stopped_at=bindparam("at"), outcome=bindparam("verdict"), late_seconds=bindparam("late"))


async def apply(conn: AsyncConnection, *, report_id: Any, result: SlaResult, now: datetime) -> None:
    """Write the clocks of a decided result (the report row's `next_due_at` is the pipeline's to write)."""
    if result.stopped:
        await conn.execute(_STOP, [{"clock_id": s.clock_id, "at": now, "verdict": s.outcome, "late": s.late_seconds}
                                   for s in result.stopped])
    if result.started:
        await conn.execute(insert(sla_clocks), [{"report_id": report_id, **clock} for clock in result.started])
    if result.recomputed:
        await _store_clocks(conn, list(result.recomputed))


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


_RUNNING = (sla_clocks.c.id, sla_clocks.c.report_id, sla_clocks.c.stage, sla_clocks.c.started_at, sla_clocks.c.due_at,
            sla_clocks.c.at_risk_at, sla_clocks.c.urgent, sla_clocks.c.policy_version,
            sla_clocks.c.at_risk_flagged_at, sla_clocks.c.overdue_flagged_at)


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
    await _store_clocks(conn, changes)
    c = sla_clocks.c
    earliest = select(func.min(c.due_at)).where(c.report_id == reports.c.id, c.stopped_at.is_(None)).scalar_subquery()
    report_ids = sorted({ch["clock_report"] for ch in changes})
    await conn.execute(update(reports).where(reports.c.id.in_(report_ids)).values(next_due_at=earliest))


async def _store_clocks(conn: AsyncConnection, changes: list[dict]) -> None:
    c = sla_clocks.c
    await conn.execute(
        update(sla_clocks).where(c.id == bindparam("clock_id")).values(
            due_at=bindparam("new_due"), at_risk_at=bindparam("new_risk"), policy_version=bindparam("new_version"),
            urgent=bindparam("new_urgent"), overdue_flagged_at=bindparam("new_overdue_flag"),
            at_risk_flagged_at=bindparam("new_risk_flag"),
        ),
        changes,
    )


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

