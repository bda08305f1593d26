"""`phananh audit verify`: recompute every sealed event's hash from its row and every block from its events, in
one consistent snapshot, streaming (three ordered scans merged in id order), and name the first problem."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from phananh.audit import canonical
from phananh.audit.seal import Head, read_head
from phananh.audit.tables import audit_blocks, audit_events, audit_verifications
from phananh.db import utcnow
from phananh.i18n import gettext
from phananh.reports.tables import events
from phananh.sla.calendar import TZ

_CHUNK = 5_000


@dataclass(frozen=True)
class Problem:
    """What is wrong: a code, an English message (a gettext msgid) and its parameters."""

    code: str
    message: str
    params: dict = field(default_factory=dict)

    def text(self, lang: str | None = None) -> str:
        return gettext(self.message, lang, **self.params)

    def english(self) -> str:
        return self.message.format(**self.params)


def altered(event_id, block_id):
    return Problem("event_altered", "Event {event_id} was altered: its content no longer matches the hash sealed in "
                   "block {block_id}.", {"event_id": event_id, "block_id": block_id})


def missing(event_id, block_id):
    return Problem("event_missing", "Event {event_id} is missing: it was sealed in block {block_id} and is no longer "
                   "in the record.", {"event_id": event_id, "block_id": block_id})


def inserted(event_id, last_sealed):
    return Problem("event_inserted", "Event {event_id} was inserted: it is in no sealed block although the chain "
                   "sealed every event up to {last_sealed}.", {"event_id": event_id, "last_sealed": last_sealed})


def block_missing(block_id):
    return Problem("block_missing", "Block {block_id} is missing from the chain.", {"block_id": block_id})


def block_altered(block_id):
    return Problem("block_altered", "Block {block_id} was altered: its hash does not match its content.",
                   {"block_id": block_id})


def block_unlinked(block_id):
    return Problem("block_link", "Block {block_id} does not name the previous block's hash: the chain is broken "
                   "there.", {"block_id": block_id})


def block_events(block_id, found, expected):
    return Problem("block_events", "Block {block_id} no longer holds the events it sealed ({found} of {expected}, "
                   "or their sealed hashes were changed).", {"block_id": block_id, "found": found,
                                                             "expected": expected})


def unknown_head(published):
    return Problem("head_unknown", "The published head {hash} is not in the chain: the record was rewritten after "
                   "it was published.", {"hash": published})


def head_gone(seen_head, checked_at):
    return Problem("head_gone", "The head {hash} that the verification of {checked_at} saw is no longer in the "
                   "chain: blocks were removed or rewritten since.", {"hash": seen_head, "checked_at": checked_at})


@dataclass(frozen=True)
class Verification:
    ok: bool
    problem: Problem | None
    head: Head | None
    events_checked: int
    blocks_checked: int
    started_at: datetime
    finished_at: datetime


async def _rows(conn: AsyncConnection, stmt, *, mappings: bool = True) -> AsyncIterator:
    result = await conn.stream(stmt.execution_options(yield_per=_CHUNK))
    async for part in (result.mappings() if mappings else result).partitions(_CHUNK):
        for row in part:
            yield row


class _Chain:
    """The blocks, walked in order as the sealed events reach them."""

    def __init__(self, blocks: AsyncIterator, expected: dict[str, Problem]):
        self.blocks, self.expected = blocks, dict(expected)  # head hashes that must be met, and else what is wrong
        self.current: Mapping[str, Any] | None = None
        self.prev_hash, self.prev_id = canonical.GENESIS, 0
        self.root, self.seen, self.checked = hashlib.sha256(), 0, 0

    async def advance(self) -> Problem | None:
        """Close the current block and open the next one; a problem if either does not hold."""
        if self.current is not None and (problem := self._close(self.current)):
            return problem
        b = await anext(self.blocks, None)
        if b is None:
            self.current = None
            return None
        if b["id"] != self.prev_id + 1:
            return block_missing(self.prev_id + 1)
        if b["prev_hash"] != self.prev_hash:
            return block_unlinked(b["id"])
        fields = {k: b[k] for k in ("id", "prev_hash", "first_event_id", "last_event_id", "event_count",
                                    "events_root", "sealed_at")}
        if canonical.block_hash(**fields) != b["hash"]:
            return block_altered(b["id"])
        self.current, self.prev_id, self.prev_hash = b, b["id"], b["hash"]
        self.root, self.seen = hashlib.sha256(), 0
        self.checked += 1
        self.expected.pop(b["hash"], None)
        return None

    def _close(self, b: Mapping[str, Any]) -> Problem | None:
        if self.seen != b["event_count"] or self.root.hexdigest() != b["events_root"]:
            return block_events(b["id"], self.seen, b["event_count"])
        return None

    async def add(self, event_id: int, block_id: int, digest: str) -> Problem | None:
        while self.current is None or block_id > self.current["id"]:
            if problem := await self.advance():
                return problem
            if self.current is None:
                return block_missing(block_id)
        b = self.current
        if block_id != b["id"] or not b["first_event_id"] <= event_id <= b["last_event_id"]:
            return block_events(block_id, self.seen, b["event_count"] if block_id == b["id"] else 0)
        self.root.update(bytes.fromhex(digest))
        self.seen += 1
        return None

    async def finish(self) -> Problem | None:
        """After the last sealed event: the last block closes, and no block is left over."""
        if self.current is not None and (problem := self._close(self.current)):
            return problem
        self.current = None
        extra = await anext(self.blocks, None)
        if extra is not None:
            return block_events(extra["id"], 0, extra["event_count"])
        return next(iter(self.expected.values()), None)


async def verify(engine: AsyncEngine, *, published: str | None = None) -> Verification:
    """Check the whole chain against the events table; `published` is a head hash handed out earlier, which must
    still be a block of the chain (a rewrite of the whole chain after it is then caught too)."""
    started = utcnow()
    async with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            await conn.execution_options(isolation_level="REPEATABLE READ")  # one snapshot for the three scans
        else:
            await conn.execution_options(read_only=True)  # a deferred transaction: SQLite's WAL snapshot
        head = await read_head(conn)
        expected = {published: unknown_head(published)} if published else {}
        # The head that the last successful verification saw must still be there: a chain cut back to an earlier
        # block (and the events after it sealed again, perhaps edited) is caught without a published hash.
        seen = (await conn.execute(
            select(audit_verifications.c.head_hash, audit_verifications.c.finished_at)
            .where(audit_verifications.c.ok, audit_verifications.c.head_hash.is_not(None))
            .order_by(audit_verifications.c.id.desc()).limit(1))).first()
        if seen is not None:
            expected.setdefault(seen.head_hash, head_gone(seen.head_hash, seen.finished_at.astimezone(TZ).isoformat()))
        problem, checked, chain = await _walk(conn, head, expected)
    return Verification(problem is None, problem, head, checked, chain, started, utcnow())


async def _walk(conn: AsyncConnection, head: Head | None, expected: dict[str, Problem]
                ) -> tuple[Problem | None, int, int]:
    last_sealed = head.last_event_id if head else 0
    # Plain rows (id first, as canonical.EVENT_FIELDS), the cheapest to read a million of.
    event_rows = _rows(conn, select(*[events.c[n] for n in canonical.EVENT_FIELDS]).order_by(events.c.id),
                       mappings=False)
    sealed_rows = _rows(conn, select(audit_events.c.event_id, audit_events.c.block_id, audit_events.c.hash)
                        .order_by(audit_events.c.event_id), mappings=False)
    chain = _Chain(_rows(conn, select(audit_blocks).order_by(audit_blocks.c.id)), expected)
    ev, se = await anext(event_rows, None), await anext(sealed_rows, None)
    checked = 0
    while se is not None:
        event_id = ev[0] if ev is not None else None
        sealed_id, block_id, digest = se
        if event_id is not None and event_id < sealed_id:
            return inserted(event_id, last_sealed), checked, chain.checked
        if ev is None or event_id is None or event_id > sealed_id:
            return missing(sealed_id, block_id), checked, chain.checked
        if canonical.event_hash(ev) != digest:
            return altered(event_id, block_id), checked, chain.checked
        if problem := await chain.add(event_id, block_id, digest):
            return problem, checked, chain.checked
        checked += 1
        ev, se = await anext(event_rows, None), await anext(sealed_rows, None)
    if ev is not None and ev[0] <= last_sealed:
        return inserted(ev[0], last_sealed), checked, chain.checked
    return await chain.finish(), checked, chain.checked


async def record(engine: AsyncEngine, result: Verification, *, by: str) -> None:
    """Keep the outcome for the admin page."""
    async with engine.begin() as conn:
        await conn.execute(insert(audit_verifications).values(
            started_at=result.started_at, finished_at=result.finished_at, ok=result.ok,
            problem_code=result.problem.code if result.problem else None,
            problem={"message": result.problem.message, "params": result.problem.params} if result.problem else None,
            head_block_id=result.head.id if result.head else None, head_hash=result.head.hash if result.head else None,
            events_checked=result.events_checked, blocks_checked=result.blocks_checked, verified_by=by))


async def last_verification(conn: AsyncConnection) -> dict | None:
    row = (await conn.execute(
        select(audit_verifications).order_by(audit_verifications.c.id.desc()).limit(1))).mappings().first()
    if row is None:
        return None
    out = dict(row)
    p = out["problem"]
    out["problem"] = Problem(out["problem_code"], p["message"], p.get("params", {})) if p else None
    return out
