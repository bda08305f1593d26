"""What the standalone benchmarks share: their progress lines, and a scratch PostgreSQL database (created,
migrated, handed over with an engine, dropped whatever happens)."""

from __future__ import annotations

import asyncio
import os
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from phananh.db import create_engine
from phananh.migrate import upgrade

SERVER = os.environ.get("PHANANH_BENCH_PG_URL") or os.environ.get(
    "PHANANH_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
T0 = time.monotonic()


def progress_for(name: str) -> Callable[[str], None]:
    """`progress(message)` writing `[name  12.3 s] message` to stderr (stdout holds the RESULT line)."""

    def progress(message: str) -> None:
        print(f"[{name} {time.monotonic() - T0:6.1f} s] {message}", file=sys.stderr, flush=True)

    return progress


def dsn(url: str) -> str:
    """asyncpg's form of a SQLAlchemy URL."""
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def admin(sql: str) -> None:
    """One statement on the server's maintenance database (CREATE/DROP DATABASE)."""
    conn = await asyncpg.connect(dsn(SERVER), timeout=10)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@asynccontextmanager
async def scratch_database(prefix: str, progress: Callable[[str], None],
                           what: str = "") -> AsyncIterator[tuple[str, AsyncEngine]]:
    """A new database `phananh_bench_<prefix>_…`, migrated: yields its URL and an engine on it."""
    name = f"phananh_bench_{prefix}_{uuid.uuid4().hex[:8]}"
    url = SERVER.rsplit("/", 1)[0] + "/" + name
    progress(f"creating database {name}{' ' + what if what else ''}")
    await admin(f'CREATE DATABASE "{name}"')
    engine = None
    try:
        await asyncio.to_thread(upgrade, url)
        engine = create_engine(url)
        yield url, engine
    finally:
        if engine is not None:
            await engine.dispose()
        await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        progress("temporary database dropped")
