"""The live publish after commit, from one hook on the engine: no route publishes anything itself.

The reports service notes each event it writes on its connection (`note`, kept in `conn.info`). When the
transaction commits, the noted events are marked committed; a rollback drops them. They are published when the
connection next begins a transaction or goes back to the pool, i.e. once the commit has returned, so that a
dashboard that refetches on the message reads the change. Every entry (REST, web consoles and forms, Open311,
CLI, scheduler, seeding) writes through the service on an attached engine, so every entry publishes.
"""

from __future__ import annotations

import asyncio
import logging
import weakref

from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from phananh.live.hub import Hub

log = logging.getLogger(__name__)
PENDING = "phananh.live.pending"  # events written in the open transaction
COMMITTED = "phananh.live.committed"  # events of committed transactions, not yet published

_hubs: weakref.WeakKeyDictionary[Engine, Hub] = weakref.WeakKeyDictionary()
_tasks: set[asyncio.Task] = set()


def attach(engine: AsyncEngine, hub: Hub) -> None:
    """Publish the events committed through `engine` to `hub` (once per engine; the last hub given wins)."""
    sync_engine = engine.sync_engine
    first = sync_engine not in _hubs
    _hubs[sync_engine] = hub
    if first:
        sa_event.listen(sync_engine, "commit", _on_commit)
        sa_event.listen(sync_engine, "rollback", _on_rollback)
        sa_event.listen(sync_engine, "begin", _on_begin)
        ref = weakref.ref(sync_engine)

        def on_checkin(_dbapi_conn, record) -> None:
            record.info.pop(PENDING, None)  # given back without commit or rollback
            engine = ref()
            _flush(record.info, _hubs.get(engine) if engine is not None else None)

        sa_event.listen(sync_engine.pool, "checkin", on_checkin)


def attached(engine: AsyncEngine) -> bool:
    return engine.sync_engine in _hubs


def note(conn: AsyncConnection, event: dict, *, committed: bool = False) -> None:
    """Called by the reports service for each event it writes (with its `scope`); published after commit.
    `committed`: the write was its own transaction (a submit's one statement on PostgreSQL, batch.py)."""
    if conn.sync_engine in _hubs:
        conn.info.setdefault(COMMITTED if committed else PENDING, []).append(event)


def _on_commit(conn) -> None:
    pending = conn.info.pop(PENDING, None)
    if pending:
        conn.info.setdefault(COMMITTED, []).extend(pending)


def _on_rollback(conn) -> None:
    if conn.invalidated:  # its connection was lost (the database restarted): the pool clears its info on reconnect,
        return  # and reading `info` now would raise PendingRollbackError in place of the database's own error
    conn.info.pop(PENDING, None)


def _on_begin(conn) -> None:
    _flush(conn.info, _hubs.get(conn.engine))


def _flush(info: dict, hub: Hub | None) -> None:
    committed = info.pop(COMMITTED, None)
    if not committed or hub is None:
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # given back by the garbage collector, outside the loop: nobody to tell
        return
    task = loop.create_task(_publish(hub, committed))
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


async def _publish(hub: Hub, committed: list[dict]) -> None:
    from phananh.live import message_of

    for event in committed:
        try:
            await hub.publish(message_of(event, event.get("scope")))
        except Exception:  # a live update lost never fails a change already committed
            log.warning("live: could not publish event %s", event.get("id"), exc_info=True)


async def drain() -> None:
    """Wait for the publishes this event loop started so far (tests, and a clean shutdown). Only this loop's:
    a command run in a thread (its own loop) and the app may share the process."""
    loop = asyncio.get_running_loop()
    while mine := [t for t in list(_tasks) if t.get_loop() is loop]:
        await asyncio.gather(*mine, return_exceptions=True)
