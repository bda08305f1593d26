"""The security record: account locks and unlocks, second-factor enrolment, recovery codes used."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from phananh.auth.tables import security_events
from phananh.db import utcnow


async def record(
    conn: AsyncConnection, action: str, *, user_id: int | None, username: str | None, actor: str | None = None,
    ip: str | None = None, details: dict | None = None, now: datetime | None = None,
) -> None:
    """Append one security event; `actor` is who did it (an admin's username, "cli"), None for the system."""
    await conn.execute(insert(security_events).values(
        at=now or utcnow(), action=action, user_id=user_id, username=username, actor=actor, ip=ip,
        details=details or {},
    ))


async def events_of(conn: AsyncConnection, username: str) -> list[dict]:
    rows = await conn.execute(select(security_events).where(security_events.c.username == username)
                              .order_by(security_events.c.id))
    return [dict(r) for r in rows.mappings()]
