"""An install with history, for the tests that copy one (`phananh move`, the restore drill): the demo's sample
reports and their events sealed into audit blocks; and each table's row count, to compare the copy with it."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy import func, select

from phananh.config import Settings
from phananh.db import create_engine, utcnow
from phananh.tables import metadata

PHANANH = str(Path(sys.executable).parent / "phananh")


def seed_and_seal(settings: Settings, *, also: Callable[[], Awaitable[object]] | None = None) -> None:
    """Load the demo's sample reports into `settings.database_url`, await `also()` (more data), then seal every
    event into audit blocks (at least two)."""
    from phananh.audit import seal
    from phananh.demo.seed import seed_sample_reports

    async def fill():
        engine = create_engine(settings.database_url)
        try:
            await seed_sample_reports(engine, settings, now=utcnow())
            if also is not None:
                await also()
            sealed = await seal.seal(engine, now=utcnow(), max_events=100, wait_seconds=1)
            assert sealed.blocks >= 2
        finally:
            await engine.dispose()

    asyncio.run(fill())


async def table_counts(url: str) -> dict[str, int]:
    """Rows per table of the schema, in dependency order."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return {t.name: (await conn.execute(select(func.count()).select_from(t))).scalar_one()
                    for t in metadata.sorted_tables}
    finally:
        await engine.dispose()
