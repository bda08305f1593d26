"""The sealing loop of the scheduler (`phananh worker`, or the server in embedded mode)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from phananh.audit.seal import seal
from phananh.config import Settings
from phananh.ops.outage import DatabaseOutage

log = logging.getLogger("phananh.audit")


async def run_sealer(engine: AsyncEngine, settings: Settings, *, clock: Callable[[], datetime],
                     stop: asyncio.Event) -> None:
    """Seal every `audit_seal_interval_seconds` until `stop` is set; a failing pass is logged and retried."""
    interval = settings.audit_seal_interval_seconds
    if interval <= 0:
        return
    database = DatabaseOutage("audit sealing", log)
    while not stop.is_set():
        try:
            sealed = await seal(engine, now=clock(), max_events=settings.audit_block_max_events,
                                wait_seconds=settings.audit_seal_wait_seconds)
            database.recovered()
            if sealed.blocks and sealed.head is not None:
                log.info("audit: %s events sealed in %s block(s), head %s", sealed.events, sealed.blocks,
                         sealed.head.hash)
        except Exception as exc:
            database.failed_pass(exc)
        try:
            await asyncio.wait_for(stop.wait(), timeout=database.next_wait(interval))
        except TimeoutError:
            pass
