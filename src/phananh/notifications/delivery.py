"""Delivering the outbox: at least once, retried with exponential back-off, then marked failed.

A pass claims due rows by pushing their next attempt one lease ahead (so a second worker skips them),
sends outside any transaction, then records each outcome. A crash between sending and recording means
the row is sent again after the lease: at least once, never lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from phananh.demo.marker import hold_demo_notifications
from phananh.notifications.senders import Sender
from phananh.notifications.tables import notifications

log = logging.getLogger("phananh.notifications")

MAX_ATTEMPTS = 10  # about three hours of retries
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)
LEASE = timedelta(minutes=5)  # longer than any sender's timeout
BATCH = 100
CONCURRENCY = 8
_n = notifications.c


@dataclass
class DeliveryResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def retry_delay(attempts: int) -> timedelta:
    """30 s after the first failure, doubling each time, at most an hour."""
    return min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_RETRY)


async def deliver_due(
    engine: AsyncEngine, *, senders: Mapping[str, Sender], now: datetime, batch: int = BATCH, max_batches: int = 10
) -> DeliveryResult:
    """Send the notifications due at `now`, a batch at a time."""
    result = DeliveryResult()
    async with engine.begin() as conn:  # demo reports' SMS and e-mail never reach a gateway (phananh.demo.marker)
        await hold_demo_notifications(conn)
    for _ in range(max_batches):
        claimed = await _claim(engine, now, batch)
        if not claimed:
            break
        gate = asyncio.Semaphore(CONCURRENCY)
        errors = await asyncio.gather(*(_send(gate, senders, row) for row in claimed))
        await _record(engine, claimed, errors, now, result)
        if len(claimed) < batch:
            break
    return result


async def _claim(engine: AsyncEngine, now: datetime, batch: int) -> list[dict]:
    due = (_n.status == "pending", _n.next_attempt_at <= now)
    # Materialised, so the LIMIT holds; the conditions are re-checked on rows another worker just claimed.
    claim = select(_n.id).where(*due).order_by(_n.next_attempt_at).limit(batch).with_for_update(skip_locked=True) \
        .cte("claim").prefix_with("MATERIALIZED")
    async with engine.begin() as conn:
        rows = await conn.execute(
            update(notifications).where(_n.id.in_(select(claim.c.id)), *due)
            .values(attempts=_n.attempts + 1, next_attempt_at=now + LEASE)
            .returning(_n.id, _n.channel, _n.address, _n.subject, _n.body, _n.attempts)
        )
        return [dict(r) for r in rows.mappings()]


async def _send(gate: asyncio.Semaphore, senders: Mapping[str, Sender], row: dict) -> str | None:
    async with gate:
        try:
            await senders[row["channel"]].send(to=row["address"], subject=row["subject"], body=row["body"],
                                               notification_id=row["id"])
            return None
        except Exception as exc:  # any failure of a channel is retried
            log.warning("notification %s (%s to %s) failed: %s", row["id"], row["channel"], row["address"], exc)
            return f"{type(exc).__name__}: {exc}"[:1000]


async def _record(engine: AsyncEngine, claimed: list[dict], errors: list[str | None], now: datetime,
                  result: DeliveryResult) -> None:
    sent = [{"row_id": row["id"]} for row, error in zip(claimed, errors) if error is None]
    again = []
    for row, error in zip(claimed, errors):
        if error is None:
            continue
        give_up = row["attempts"] >= MAX_ATTEMPTS
        again.append({"row_id": row["id"], "new_status": "failed" if give_up else "pending", "error": error,
                      "retry_at": None if give_up else now + retry_delay(row["attempts"])})
        if give_up:
            result.failed += 1
        else:
            result.retrying += 1
    async with engine.begin() as conn:
        if sent:
            await conn.execute(update(notifications).where(_n.id == bindparam("row_id"))
                               .values(status="sent", sent_at=now, last_error=None), sent)
        if again:
            await conn.execute(update(notifications).where(_n.id == bindparam("row_id")).values(
                status=bindparam("new_status"), last_error=bindparam("error"), next_attempt_at=bindparam("retry_at")
            ), again)
    result.sent += len(sent)
