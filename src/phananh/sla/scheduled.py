"""The sweep: flag running stage clocks at risk and overdue, and notify each change exactly once.

Flagging is a conditional UPDATE ... WHERE <flag> IS NULL ... RETURNING, so of two sweepers running at
once each clock is flagged (and notified, in the same transaction) by exactly one: on PostgreSQL the
second waits for the first's row lock, re-checks `<flag> IS NULL` and skips the row (or skips rows locked
by the other sweeper's claim outright); on SQLite writers are serialised by BEGIN IMMEDIATE.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.dml import ReturningUpdate

from phananh.notifications import flows as notifications
from phananh.sla.tables import sla_clocks

BATCH = 1000
_c = sla_clocks.c


@dataclass
class SweepResult:
    """The clocks this sweeper flagged (another sweeper running at once flags the others)."""

    at_risk: list[int] = field(default_factory=list)
    overdue: list[int] = field(default_factory=list)


def flag_statement(kind: str, now: datetime, batch: int = BATCH) -> ReturningUpdate[Any]:
    """UPDATE at most `batch` running clocks that crossed their `kind` instant and are not flagged yet."""
    instant, flag = (_c.due_at, _c.overdue_flagged_at) if kind == "overdue" else (_c.at_risk_at, _c.at_risk_flagged_at)
    due = (_c.stopped_at.is_(None), flag.is_(None), instant < now)
    # Materialised, so the LIMIT holds (PostgreSQL may re-run an inlined locking subquery and take more rows).
    claim = select(_c.id).where(*due).order_by(instant).limit(batch).with_for_update(skip_locked=True) \
        .cte("claim").prefix_with("MATERIALIZED")
    values = {"overdue_flagged_at": now, "at_risk_flagged_at": func.coalesce(_c.at_risk_flagged_at, now)} \
        if kind == "overdue" else {"at_risk_flagged_at": now}
    # The conditions are repeated outside the claim: PostgreSQL re-checks them on a row another sweeper changed.
    return (
        update(sla_clocks).where(_c.id.in_(select(claim.c.id)), *due).values(**values)
        .returning(_c.id, _c.report_id, _c.stage, _c.due_at, _c.at_risk_flagged_at, _c.overdue_flagged_at)
    )


async def sweep(engine: AsyncEngine, *, now: datetime, batch: int = BATCH) -> SweepResult:
    """One pass: overdue first (a clock that became overdue unseen is not also announced as at risk)."""
    result = SweepResult()
    for kind in ("overdue", "at_risk"):
        while True:
            async with engine.begin() as conn:
                flagged = [dict(r) for r in (await conn.execute(flag_statement(kind, now, batch))).mappings()]
                await notifications.on_sla_flags(conn, kind=kind, clocks=flagged, now=now)
            getattr(result, kind).extend(c["id"] for c in flagged)
            if len(flagged) < batch:
                break
    return result
