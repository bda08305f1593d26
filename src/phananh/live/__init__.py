"""Live fan-out of committed events to dashboards (in-process, or Redis pub/sub when configured)."""

from __future__ import annotations

import logging

from sqlalchemy import select

from phananh.live.hub import Hub
from phananh.reports.tables import reports

log = logging.getLogger(__name__)


def hub(app) -> Hub:
    """The process's hub, made on first use (tests run the app without its lifespan)."""
    existing = getattr(app.state, "live_hub", None)
    if existing is None:
        existing = app.state.live_hub = Hub(getattr(app.state.settings, "redis_url", None))
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


async def publish(app, event: dict) -> None:
    """Called by routes after the transaction that wrote `event` has committed; never fails the request."""
    try:
        scope = event.get("scope")  # the reports service says where the report stands after the event
        if scope is None:
            async with app.state.engine.connect() as conn:
                row = (await conn.execute(select(reports.c.agency_id, reports.c.area_id).where(
                    reports.c.id == event["report_id"]))).mappings().first()
            scope = dict(row) if row else None
        await hub(app).publish(message_of(event, scope))
    except Exception:
        log.warning("live: could not publish event %s", event.get("id"), exc_info=True)


async def close(app) -> None:
    existing = getattr(app.state, "live_hub", None)
    if existing is not None:
        await existing.close()
