"""The scheduler of periodic jobs: the SLA sweep and the notification delivery.

Embedded mode runs it inside `phananh serve` (app lifespan, when PHANANH_RUN_SWEEP is true); production
runs it as `phananh worker` processes. Any number may run at once: the sweep flags each change exactly
once and delivery claims rows under a lease.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from phananh.audit.scheduled import run_sealer
from phananh.config import Settings
from phananh.notifications.delivery import deliver_due
from phananh.notifications.senders import Sender, senders_from_settings
from phananh.ops import heartbeat
from phananh.ops.outage import DatabaseOutage
from phananh.privacy.scheduled import run_retention
from phananh.reports.derivatives import run_derivatives
from phananh.reports.scheduled import close_published
from phananh.sla.scheduled import sweep

log = logging.getLogger("phananh.worker")


async def run_once(engine: AsyncEngine, *, senders: Mapping[str, Sender], now: datetime,
                   settings: Settings | None = None) -> None:
    flagged = await sweep(engine, now=now)
    if settings is not None:
        await close_published(engine, now=now, settings=settings)
    delivered = await deliver_due(engine, senders=senders, now=now)
    await heartbeat.beat(engine, "sweep", now)  # /metrics shows the sweep lag from it (phananh.ops)
    if flagged.at_risk or flagged.overdue or delivered.sent or delivered.retrying or delivered.failed:
        log.info("sweep: %s at risk, %s overdue; delivery: %s sent, %s retrying, %s failed", len(flagged.at_risk),
                 len(flagged.overdue), delivered.sent, delivered.retrying, delivered.failed)


async def run_scheduler(
    engine: AsyncEngine, settings: Settings, *, clock: Callable[[], datetime], stop: asyncio.Event,
    senders: Mapping[str, Sender] | None = None,
) -> None:
    """Every `sweep_interval_seconds` until `stop` is set; a failing pass is logged and the next one runs (on a
    short backoff of its own while the database is unreachable: see DatabaseOutage)."""
    senders = senders or senders_from_settings(settings)
    # Audit sealing keeps its own, shorter beat (audit_seal_interval_seconds) beside the sweep.
    sealer = asyncio.create_task(run_sealer(engine, settings, clock=clock, stop=stop))
    # Public photo derivatives too (derivative_interval_seconds): a photo goes public seconds after its submit.
    photos = asyncio.create_task(run_derivatives(engine, settings, stop=stop)) \
        if settings.derivative_interval_seconds > 0 else None
    # Retention of reporters' identities (identity_retention_years), on a daily beat by default.
    retention = asyncio.create_task(run_retention(engine, settings, clock=clock, stop=stop)) \
        if settings.identity_retention_interval_hours > 0 and settings.identity_retention_years > 0 else None
    database = DatabaseOutage("scheduled jobs", log)
    while not stop.is_set():
        try:
            await run_once(engine, senders=senders, now=clock(), settings=settings)
            database.recovered()
        except Exception as exc:
            database.failed_pass(exc)
        try:
            await asyncio.wait_for(stop.wait(), timeout=database.next_wait(settings.sweep_interval_seconds))
        except TimeoutError:
            pass
    await sealer
    if photos is not None:
        await photos
    if retention is not None:
        await retention


async def run_worker(settings: Settings) -> None:
    """`phananh worker`: the scheduler in its own process, until SIGINT or SIGTERM."""
    import signal

    from phananh.db import utcnow
    from phananh.live.commands import publishing_engine

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info("worker started: sweep and delivery every %s s", settings.sweep_interval_seconds)
    # With PHANANH_REDIS_URL, the automatic close and the retention pass reach every server's live streams.
    async with publishing_engine(settings, pool_size=4, max_overflow=4) as engine:
        await run_scheduler(engine, settings, clock=utcnow, stop=stop)


class EmbeddedScheduler:
    """The scheduler as a task of the web process (embedded mode), reading the app's clock."""

    def __init__(self, app) -> None:
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(
            run_scheduler(app.state.engine, app.state.settings, clock=lambda: app.state.clock(), stop=self._stop)
        )

    async def stop(self) -> None:
        self._stop.set()
        await self._task
