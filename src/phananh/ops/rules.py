"""The same rules on every server (issue 13 part 3): versioned reference-data caches.

Each process caches the directory (categories, agencies, areas, routing) and the SLA rules (calendar, policy).
Every change bumps its row in `rules_versions` in the change's own transaction. A process uses its cache only
while it holds the current version:

- push: on PostgreSQL a change also sends `NOTIFY phananh_rules` (delivered at commit); each process listens on
  one connection of its own and marks the cache stale within milliseconds;
- safety net: the version is read again at most every `rules_check_seconds` (1 s) before a cache is used, so a
  lost notification (listener reconnecting) costs at most that long. On SQLite (one host, no push) the version is
  read on every use: it is a local read.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

from sqlalchemy import insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from phananh.ops.tables import rules_versions

DIRECTORY, SLA = "directory", "sla"
CHANNEL = "phananh_rules"
log = logging.getLogger("phananh.ops")

check_seconds = 1.0  # set from the settings by `configure`


def configure(settings) -> None:
    global check_seconds
    check_seconds = settings.rules_check_seconds


async def bump(conn: AsyncConnection, name: str) -> None:
    """Mark rules `name` changed, inside the caller's transaction (every process reloads them after commit)."""
    result = await conn.execute(update(rules_versions).where(rules_versions.c.name == name)
                                .values(version=rules_versions.c.version + 1))
    if result.rowcount == 0:
        await conn.execute(insert(rules_versions).values(name=name, version=2))
    if conn.dialect.name == "postgresql":
        await conn.execute(text("SELECT pg_notify(:channel, :name)"), {"channel": CHANNEL, "name": name})


@dataclass
class _Watch:
    """What one process knows of one database's rules versions."""

    versions: dict[str, int] = field(default_factory=dict)
    checked_at: float = float("-inf")
    pushed: set[str] = field(default_factory=set)  # names notified since the last read
    listener: asyncio.Task | None = None


_watches: dict[int, _Watch] = {}


async def version_to_use(conn: AsyncConnection, name: str, held: int | None) -> int:
    """The version a cache of rules `name` must hold: `held` (no read) while it is known current, else the
    database's version, read now. A cache whose version differs from the answer reloads."""
    key = id(conn.engine.sync_engine)
    watch = _watches.get(key)
    if watch is None:
        watch = _watches[key] = _Watch()
    postgres = conn.dialect.name == "postgresql"
    if postgres and (watch.listener is None or watch.listener.done()):
        watch.listener = asyncio.get_running_loop().create_task(_listen(conn.engine, watch), name="rules-listener")
    interval = check_seconds if postgres else 0.0
    if held is not None and name not in watch.pushed and time.monotonic() - watch.checked_at < interval \
            and watch.versions.get(name) == held:
        return held
    watch.pushed.clear()
    watch.checked_at = time.monotonic()
    watch.versions = dict((await conn.execute(select(rules_versions.c.name, rules_versions.c.version))).tuples().all())
    return watch.versions.get(name, 0)


async def _listen(engine: AsyncEngine, watch: _Watch) -> None:
    """LISTEN on a connection of its own for as long as the loop runs; reconnects after a loss."""
    import asyncpg

    dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)

    def pushed(_connection, _pid, _channel, payload):
        watch.pushed.add(payload)

    backoff = 0.5
    while True:
        connection = None
        try:
            connection = await asyncpg.connect(dsn, timeout=5)
            await connection.add_listener(CHANNEL, pushed)
            watch.pushed.update((DIRECTORY, SLA))  # anything may have changed while no one listened
            backoff = 0.5
            while not connection.is_closed():
                await asyncio.sleep(1.0)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - the version check covers the gap; retry quietly
            log.debug("rules listener: %s; retrying in %s s", exc, backoff)
        finally:
            if connection is not None and not connection.is_closed():
                connection.terminate()
        watch.pushed.update((DIRECTORY, SLA))
        await asyncio.sleep(backoff)
        backoff = min(backoff * 2, 10.0)


async def stop(engine: AsyncEngine) -> None:
    """End the engine's listener (app shutdown, before the engine is disposed)."""
    watch = _watches.pop(id(engine.sync_engine), None)
    if watch and watch.listener and not watch.listener.done():
        watch.listener.cancel()
        try:
            await watch.listener
        except (asyncio.CancelledError, Exception):  # noqa: BLE001
            pass
