"""Which notifications an event causes (written to the outbox in the event's transaction)."""

from sqlalchemy.ext.asyncio import AsyncConnection


async def on_event(conn: AsyncConnection, *, event: dict, report: dict) -> None:
    return None
