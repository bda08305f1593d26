"""Sealing: the worker appends the events committed since the last block to the chain, a block at a time.

Nothing runs on the request path: every event is hashed here, from the row as read, after its commit.

**Which events are safe to seal.** A block seals every event id up to a *barrier*, so an event that commits
later with an id at or below a sealed id would look inserted. On PostgreSQL ids come from a sequence and a
transaction can commit after another that took a higher id. The barrier is therefore the highest committed
id M, taken *after* every transaction that was writing `events` when M was read has ended: any id below M
was drawn before M, by a transaction that already held its lock on `events` (a statement locks its tables
before it evaluates `nextval`) and so is one of those waited for — it has committed (and is read in the next
snapshot) or rolled back (its id is a gap, never used). On SQLite a writer holds the database's only write
lock from its first insert to its commit, so the highest committed id is already the barrier.

**Two sealers** (two workers, or several server processes in embedded mode) are serialised by a PostgreSQL
advisory lock (SQLite has one writer); should that be bypassed, block ids follow each other (primary key)
and `prev_hash` is unique, so a second block after the same head fails instead of forking the chain.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from phananh.audit import canonical
from phananh.audit.tables import audit_blocks, audit_events
from phananh.db import reading
from phananh.reports.tables import events

log = logging.getLogger("phananh.audit")

MAX_EVENTS_PER_BLOCK = 10_000
ADVISORY_LOCK = 0x70_68_61_75_64_69_74  # "phaudit": the sealers' PostgreSQL advisory lock
_EVENT_COLUMNS = [events.c[name] for name in canonical.EVENT_FIELDS]
# Sessions of other transactions that hold (or wait for) the lock that every insert into `events` takes.
_WRITERS = text(
    "SELECT virtualtransaction FROM pg_locks WHERE locktype = 'relation' AND relation = to_regclass('events')"
    " AND mode = 'RowExclusiveLock' AND pid IS DISTINCT FROM pg_backend_pid()"
)


@dataclass(frozen=True)
class Head:
    id: int
    hash: str
    last_event_id: int
    sealed_at: datetime
    event_count: int


@dataclass(frozen=True)
class Sealed:
    blocks: int = 0
    events: int = 0
    head: Head | None = None


async def read_head(conn: AsyncConnection) -> Head | None:
    row = (await conn.execute(
        select(audit_blocks.c.id, audit_blocks.c.hash, audit_blocks.c.last_event_id, audit_blocks.c.sealed_at,
               audit_blocks.c.event_count).order_by(audit_blocks.c.id.desc()).limit(1)
    )).first()
    return Head(*row) if row else None


async def head(engine: AsyncEngine) -> Head | None:
    async with reading(engine) as conn:
        return await read_head(conn)


async def barrier(engine: AsyncEngine, *, wait_seconds: float = 5.0) -> int | None:
    """The highest event id that no uncommitted event can fall below (see the module's docstring); None when
    there is no event, or when a writer of `events` stayed open longer than `wait_seconds`."""
    async with reading(engine) as conn:
        top = (await conn.execute(select(func.max(events.c.id)))).scalar()
        if top is None or engine.dialect.name != "postgresql":
            return top
        writers = set((await conn.execute(_WRITERS)).scalars())
        give_up = time.monotonic() + wait_seconds
        while writers:
            if time.monotonic() > give_up:
                log.warning("audit: %s transaction(s) writing events stayed open over %s s; sealing later",
                            len(writers), wait_seconds)
                return None
            await asyncio.sleep(0.01)
            await conn.rollback()  # pg_locks is live, but end the snapshot so the connection holds nothing old
            writers &= set((await conn.execute(_WRITERS)).scalars())
        return top


async def seal(engine: AsyncEngine, *, now: datetime, max_events: int = MAX_EVENTS_PER_BLOCK,
               wait_seconds: float = 5.0) -> Sealed:
    """Seal every event committed up to the barrier into new blocks of at most `max_events` each."""
    upto = await barrier(engine, wait_seconds=wait_seconds)
    blocks = count = 0
    last = None
    if upto is None:
        return Sealed()
    while True:  # each race lost means another sealer moved on, so this ends
        outcome = await _seal_block(engine, now=now, upto=upto, max_events=max_events)
        if outcome is None:
            break
        if isinstance(outcome, str):  # "raced"
            continue
        blocks, count, last = blocks + 1, count + outcome.event_count, outcome
    return Sealed(blocks, count, last)


async def _seal_block(engine: AsyncEngine, *, now: datetime, upto: int, max_events: int) -> Head | str | None:
    """One block: computed from a read (no write lock held meanwhile), then appended if the head has not moved."""
    async with reading(engine) as conn:
        prev = await read_head(conn)
        after = prev.last_event_id if prev else 0
        if after >= upto:
            return None
        rows = (await conn.execute(
            select(*_EVENT_COLUMNS).where(events.c.id > after, events.c.id <= upto)
            .order_by(events.c.id).limit(max_events)
        )).all()  # plain rows, id first (canonical.EVENT_FIELDS)
    if not rows:
        return None
    hashes = [canonical.event_hash(r) for r in rows]
    block = {"id": prev.id + 1 if prev else 1, "prev_hash": prev.hash if prev else canonical.GENESIS,
             "first_event_id": rows[0][0], "last_event_id": rows[-1][0], "event_count": len(rows),
             "events_root": canonical.events_root(hashes), "sealed_at": now}
    block["hash"] = canonical.block_hash(**block)
    try:
        async with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK})
            if await read_head(conn) != prev:
                return "raced"  # another sealer appended meanwhile: start again from its head
            await conn.execute(insert(audit_blocks), block)
            await conn.execute(insert(audit_events), [
                {"event_id": r[0], "block_id": block["id"], "hash": h} for r, h in zip(rows, hashes)])
    except IntegrityError:
        return "raced"
    return Head(block["id"], block["hash"], block["last_event_id"], now, block["event_count"])
