"""Periodic jobs of the reports domain: the system closes published reports after N days (ARCHITECTURE §3)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from phananh.auth.principal import Principal
from phananh.config import Settings
from phananh.db import reading
from phananh.errors import DomainError
from phananh.reports import service
from phananh.reports.tables import events, reports
from phananh.workflow import Role, Status

log = logging.getLogger("phananh.reports")
SYSTEM = Principal(role=Role.system, username="system")
BATCH = 500


async def close_published(engine: AsyncEngine, *, now: datetime, settings: Settings) -> list[int]:
    """Close every report published more than `close_after_days` ago; returns the ids this pass closed."""
    cutoff = now - timedelta(days=settings.close_after_days)
    published_at = (
        select(func.max(events.c.at))
        .where(events.c.report_id == reports.c.id, events.c.action == "publish")
        .scalar_subquery()
    )
    async with reading(engine) as conn:
        due = (await conn.execute(
            select(reports.c.id).where(reports.c.status == Status.published, published_at < cutoff).limit(BATCH)
        )).scalars().all()
    closed = []
    for report_id in due:
        try:
            async with engine.begin() as conn:
                await service.apply_action(conn, report_id=report_id, action="close", body={}, principal=SYSTEM,
                                           now=now, settings=settings)
            closed.append(report_id)
        except DomainError as exc:  # another worker, or a dispatcher, acted first
            log.info("report %s not closed: %s", report_id, exc.code)
    return closed
