"""Live fan-out of committed events to dashboards (in-process, or Redis pub/sub when configured)."""

from __future__ import annotations

import logging

from phananh.live import after_commit
from phananh.live.hub import Hub

log = logging.getLogger(__name__)


def hub(app) -> Hub:
    """The process's hub, made on first use (tests run the app without its lifespan); the events committed
    through the app's engine are published to it from the after-commit hook (live/after_commit.py)."""
    existing = getattr(app.state, "live_hub", None)
    if existing is None:
        existing = app.state.live_hub = Hub(getattr(app.state.settings, "redis_url", None))
    engine = getattr(app.state, "engine", None)
    if engine is not None:
        after_commit.attach(engine, existing)
    return existing


def message_of(event: dict, report: dict | None) -> dict:
    """What a stream carries: enough to refetch and to filter by scope; no report content."""
    agencies = {a for a in (event.get("agency_id"), report and report["agency_id"]) if a}
    return {
        "type": "report_event",
        "report_id": event["report_id"],
        "event_id": event.get("id"),
        "action": event["action"],
        "from_status": event.get("from_status"),
        "status": event.get("to_status"),
        "at": event["at"].isoformat() if hasattr(event.get("at"), "isoformat") else event.get("at"),
        "agency_ids": sorted(agencies),
        "area_id": report["area_id"] if report else None,
    }


async def close(app) -> None:
    await after_commit.drain()
    existing = getattr(app.state, "live_hub", None)
    if existing is not None:
        await existing.close()
