"""Reading the outbox in tests."""

from sqlalchemy import select

from phananh.auth.tables import users
from phananh.notifications.tables import notifications

_n = notifications.c


async def outbox(engine, report_id: int, kind: str | None = None) -> set[tuple[str, str, str]]:
    """(kind, username or address, channel) of the report's notifications."""
    query = (select(_n.kind, users.c.username, _n.address, _n.channel)
             .select_from(notifications.outerjoin(users, users.c.id == _n.recipient_user_id))
             .where(_n.report_id == report_id))
    if kind:
        query = query.where(_n.kind == kind)
    async with engine.connect() as conn:
        return {(r.kind, r.username or r.address, r.channel) for r in await conn.execute(query)}


async def rows(engine, report_id: int, kind: str) -> list[dict]:
    async with engine.connect() as conn:
        result = await conn.execute(select(notifications).where(_n.report_id == report_id, _n.kind == kind)
                                    .order_by(_n.id))
        return [dict(r) for r in result.mappings()]
