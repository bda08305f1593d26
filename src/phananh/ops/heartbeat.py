"""Schedulers record when they last finished a pass, so that `/metrics` on any server shows the sweep lag."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from phananh.ops.tables import job_heartbeats


async def beat(engine: AsyncEngine, name: str, now: datetime) -> None:
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(job_heartbeats).values(name=name, beat_at=now)
    async with engine.begin() as conn:
        await conn.execute(statement.on_conflict_do_update(index_elements=["name"], set_={"beat_at": now}))
