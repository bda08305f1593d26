"""Live fan-out of committed events to dashboards (in-process, or Redis pub/sub when configured)."""

from __future__ import annotations


async def publish(app, event: dict) -> None:
    """Called by routes after the transaction that wrote `event` has committed."""
    return None
