"""Account lockout, kept in the `users` row so that every server process sees it and a restart keeps it.

`login_max_failures` wrong passwords (or second-factor codes) within `login_failure_window_minutes` lock the
account for `login_lock_minutes`, each further lock twice as long as the one before (up to
`login_lock_max_minutes`); a successful sign-in starts the doubling over. The failure count is one UPDATE
whose row lock is held until commit, so concurrent wrong passwords are counted one after the other.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import and_, case, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from phananh.auth import security_log
from phananh.auth.tables import users
from phananh.config import Settings
from phananh.db import UtcDateTime
from phananh.errors import ApiError


def locked_error(until: datetime, now: datetime) -> ApiError:
    seconds = max(1, math.ceil((until - now).total_seconds()))
    return ApiError(429, "account_locked", "Too many failed sign-ins: this account is locked for {minutes} more minutes.",
                    details={"retry_after": seconds, "locked_until": until.isoformat()},
                    headers={"Retry-After": str(seconds)}, minutes=math.ceil(seconds / 60))


def refuse_if_locked(row, now: datetime) -> None:
    """429 `account_locked` with Retry-After while the account's lock runs, whatever the password."""
    until = row["locked_until"]
    if until is not None and until > now:
        raise locked_error(until, now)


def lock_minutes(previous_locks: int, settings: Settings) -> int:
    """15, 30, 60, ... minutes (the settings' base), capped."""
    return min(settings.login_lock_minutes * 2 ** min(previous_locks, 30), settings.login_lock_max_minutes)


async def count_failure(conn: AsyncConnection, row, *, settings: Settings, now: datetime,
                        ip: str | None = None) -> datetime | None:
    """Count one failed sign-in of the account `row`; lock it when this is the Nth. Returns the lock's end when
    the account is locked (now or by a concurrent attempt), else None."""
    window_start = now - timedelta(minutes=settings.login_failure_window_minutes)
    fresh = or_(users.c.first_failed_at.is_(None), users.c.first_failed_at < window_start)
    not_locked = or_(users.c.locked_until.is_(None), users.c.locked_until <= now)
    counted = (await conn.execute(
        update(users).where(users.c.id == row["id"], not_locked).values(
            failed_logins=case((fresh, 1), else_=users.c.failed_logins + 1),
            first_failed_at=case((fresh, literal(now, UtcDateTime())), else_=users.c.first_failed_at),
        ).returning(users.c.failed_logins, users.c.lock_count)
    )).first()
    if counted is None:  # a concurrent attempt has just locked it: this one is not counted into a second lock
        return (await conn.execute(select(users.c.locked_until).where(users.c.id == row["id"]))).scalar_one()
    if counted.failed_logins < settings.login_max_failures:
        return None
    minutes = lock_minutes(counted.lock_count, settings)
    until = now + timedelta(minutes=minutes)
    await conn.execute(update(users).where(users.c.id == row["id"]).values(
        locked_until=until, lock_count=users.c.lock_count + 1, failed_logins=0, first_failed_at=None))
    await security_log.record(conn, "account_locked", user_id=row["id"], username=row["username"], ip=ip, now=now,
                              details={"minutes": minutes, "locked_until": until.isoformat(),
                                       "failures": counted.failed_logins})
    return until


async def clear_after_success(conn: AsyncConnection, row, *, now: datetime) -> None:
    """Forget the failures after a full sign-in, unless a lock was set meanwhile (then refuse like a lock)."""
    cleared = (await conn.execute(
        update(users).where(users.c.id == row["id"],
                            or_(users.c.locked_until.is_(None), users.c.locked_until <= now))
        .values(failed_logins=0, first_failed_at=None, lock_count=0).returning(users.c.id)
    )).first()
    if cleared is None:
        until = (await conn.execute(select(users.c.locked_until).where(users.c.id == row["id"]))).scalar_one()
        raise locked_error(until, now)


async def unlock(conn: AsyncConnection, username: str, *, actor: str, now: datetime, ip: str | None = None) -> bool:
    """Lift an account's lock and its failure count (an admin's act, recorded). False when it was not locked."""
    row = (await conn.execute(select(users.c.id, users.c.locked_until).where(users.c.username == username))).first()
    if row is None:
        raise ApiError(404, "not_found", "Not found: {what}", what=username)
    was_locked = row.locked_until is not None and row.locked_until > now
    await conn.execute(update(users).where(users.c.id == row.id).values(
        locked_until=None, lock_count=0, failed_logins=0, first_failed_at=None))
    await security_log.record(conn, "account_unlocked", user_id=row.id, username=username, actor=actor, ip=ip,
                              now=now, details={"was_locked": was_locked})
    return was_locked


async def locked_accounts(conn: AsyncConnection, now: datetime) -> list[dict]:
    rows = await conn.execute(select(users.c.username, users.c.locked_until, users.c.lock_count)
                              .where(and_(users.c.locked_until.is_not(None), users.c.locked_until > now))
                              .order_by(users.c.locked_until.desc()))
    return [dict(r) for r in rows.mappings()]
