"""What follows from an event, inside the same transaction (Dispatch's flows.py).

Each domain that reacts to the lifecycle registers here; the reports service calls `on_event` once per event.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from phananh.notifications import flows as notifications
from phananh.stats import flows as stats


async def on_event(conn: AsyncConnection, *, event: dict, report: dict) -> None:
    """`event`: the event row just appended (with its id); `report`: the report row after the action."""
    await stats.on_event(conn, event=event, report=report)
    await notifications.on_event(conn, event=event, report=report)
