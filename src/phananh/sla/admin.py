"""Admin edits of the working calendar and the SLA policy, and what must follow each edit.

One row per date in `calendar_days`: an admin's row replaces a seeded one, and a removed row stays as a
tombstone (`removed_at`) so that re-seeding from the holidays library never brings it back.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from phananh.domain_errors import Conflict, InvalidInput, NotFound
from phananh.ops import rules
from phananh.sla import service
from phananh.sla.policy import FALLBACK_POLICY, SlaPolicy
from phananh.sla.tables import calendar_days, sla_policies

_DAY_COLUMNS = (calendar_days.c.day, calendar_days.c.kind, calendar_days.c.name, calendar_days.c.source,
                calendar_days.c.note, calendar_days.c.removed_at, calendar_days.c.changed_by,
                calendar_days.c.changed_at)


def day_view(row: Any) -> dict:
    d = dict(row._mapping)
    d["weekday"] = d["day"].isoweekday()  # 1 = Monday .. 7 = Sunday
    return d


async def list_days(conn: AsyncConnection, *, year: int, include_removed: bool = False) -> list[dict]:
    query = select(*_DAY_COLUMNS).where(calendar_days.c.day >= date(year, 1, 1),
                                        calendar_days.c.day <= date(year, 12, 31))
    if not include_removed:
        query = query.where(calendar_days.c.removed_at.is_(None))
    return [day_view(r) for r in (await conn.execute(query.order_by(calendar_days.c.day))).all()]


async def _row(conn: AsyncConnection, day: date) -> Row[Any] | None:
    return (await conn.execute(select(*_DAY_COLUMNS).where(calendar_days.c.day == day))).first()


async def put_day(
    conn: AsyncConnection, *, day: date, kind: str, name: str, note: str | None, by: str, now: datetime
) -> tuple[dict, bool]:
    """Declare `day` a day off or a working day (replacing any row of that date); returns (row, created)."""
    values = {"kind": kind, "name": name, "note": note, "source": "admin", "removed_at": None,
              "changed_by": by, "changed_at": now}
    existing = await _row(conn, day)
    if existing is None:
        await conn.execute(insert(calendar_days).values(day=day, **values))
    else:
        await conn.execute(update(calendar_days).where(calendar_days.c.day == day).values(**values))
    await _after_change(conn, day=day)
    return day_view(await _row(conn, day)), existing is None


async def remove_day(conn: AsyncConnection, *, day: date, by: str, now: datetime) -> dict:
    """Remove the declaration of `day` (it becomes an ordinary weekday or weekend day)."""
    result = await conn.execute(
        update(calendar_days).where(calendar_days.c.day == day, calendar_days.c.removed_at.is_(None))
        .values(removed_at=now, changed_by=by, changed_at=now)
    )
    if result.rowcount != 1:
        raise NotFound("not_found", "Not found: {what}", what=day.isoformat())
    await _after_change(conn, day=day)
    return day_view(await _row(conn, day))


async def current_policy(conn: AsyncConnection) -> dict:
    row = (
        await conn.execute(select(sla_policies.c.data, sla_policies.c.created_at, sla_policies.c.created_by)
                           .order_by(sla_policies.c.version.desc()).limit(1))
    ).first()
    if row is None:
        return {**FALLBACK_POLICY.to_dict(), "created_at": None, "created_by": None}
    return {**SlaPolicy.from_dict(row.data).to_dict(), "created_at": row.created_at, "created_by": row.created_by}


async def put_policy(conn: AsyncConnection, *, data: dict, by: str, now: datetime) -> dict:
    """Store `data` as the next policy version and move the running clocks to it."""
    latest = (await conn.execute(select(func.max(sla_policies.c.version)))).scalar()
    version = max(latest or 0, FALLBACK_POLICY.version) + 1
    try:
        policy = SlaPolicy.from_dict({**data, "version": version})
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInput("invalid_policy", "The SLA policy is not valid: {reason}", reason=str(exc))
    try:
        async with conn.begin_nested():
            await conn.execute(insert(sla_policies).values(version=version, data=policy.to_dict(), created_at=now,
                                                           created_by=by))
    except IntegrityError:
        raise Conflict("concurrent_update",
                       "Someone else changed the SLA policy at the same moment; reload and try again.")
    await _after_change(conn)
    return await current_policy(conn)


async def _after_change(conn: AsyncConnection, *, day: date | None = None) -> int:
    # The caller invalidates once more after commit, so no process keeps rules read before the commit; the
    # version bump (same transaction) makes every other process reload them (phananh.ops.rules).
    await rules.bump(conn, rules.SLA)
    service.invalidate()
    return await service.recompute_all_running(conn, day=day)
