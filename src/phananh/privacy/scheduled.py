"""Retention: the reporter's identity is anonymised `identity_retention_years` after the report closed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from phananh.auth.principal import Principal
from phananh.config import Settings
from phananh.db import reading
from phananh.errors import DomainError
from phananh.ops.outage import DatabaseOutage
from phananh.privacy import service
from phananh.reports.tables import reports
from phananh.workflow import Role

log = logging.getLogger("phananh.privacy")
SYSTEM = Principal(role=Role.system, username="system")
BATCH = 500


async def anonymise_expired(engine: AsyncEngine, *, now: datetime, years: int, dry_run: bool = False) -> int:
    """Erase the identity on every report closed more than `years` ago that still carries one (each in its own
    transaction, event `erase_identity` with reason `retention`); returns how many reports it changed (with
    `dry_run`, how many it would change). Idempotent: an anonymised report no longer matches."""
    if years <= 0:
        return 0
    if dry_run:
        async with reading(engine) as conn:
            return len(await service.expired_report_ids(conn, now=now, years=years))
    changed = 0
    while True:
        async with reading(engine) as conn:
            due = await service.expired_report_ids(conn, now=now, years=years, limit=BATCH)
        done_now = 0
        for report_id in due:
            try:
                async with engine.begin() as conn:
                    row = (await conn.execute(select(reports).where(
                        reports.c.id == report_id, service.expired_clause(service.years_before(now, years)))
                    )).mappings().first()
                    if row is None:  # another worker got there first
                        continue
                    await service.erase_report_identity(conn, dict(row), principal=SYSTEM, now=now,
                                                        reason="retention")
                done_now += 1
            except DomainError as exc:  # an action raced it: the next pass takes it
                log.info("report %s not anonymised now: %s", report_id, exc.code)
        changed += done_now
        if len(due) < BATCH or done_now == 0:
            break
    if changed:
        log.info("retention: the reporter's identity anonymised on %s report(s) closed over %s year(s) ago",
                 changed, years)
    return changed


async def run_retention(engine: AsyncEngine, settings: Settings, *, clock: Callable[[], datetime],
                        stop: asyncio.Event) -> None:
    """The retention pass at start, then every `identity_retention_interval_hours`, until `stop` is set."""
    database = DatabaseOutage("retention", log)
    while not stop.is_set():
        try:
            await anonymise_expired(engine, now=clock(), years=settings.identity_retention_years)
            database.recovered()
        except Exception as exc:
            database.failed_pass(exc)
        try:
            await asyncio.wait_for(stop.wait(),
                                   timeout=database.next_wait(settings.identity_retention_interval_hours * 3600))
        except TimeoutError:
            pass
