"""The engine of a process that is no web server (`phananh worker`, CLI commands, seeding), attached to the live
hook like the app's: with PHANANH_REDIS_URL set, what it commits reaches every server's live streams.

Without Redis there is nobody to tell (the streams live in the server processes), so nothing is attached and
the engine is a plain one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine

from phananh.config import Settings
from phananh.live import after_commit
from phananh.live.hub import CHANNEL as SERVERS_CHANNEL
from phananh.live.hub import Hub

# The Redis channel a command publishes on: the one the servers' hubs listen on (tests pick their own).
CHANNEL = SERVERS_CHANNEL


@asynccontextmanager
async def publishing_engine(settings: Settings, **engine_options) -> AsyncIterator[AsyncEngine]:
    """An engine on `settings.database_url` whose committed report events are published to Redis (when
    configured); on exit the publishes still in flight are awaited, then the hub and the engine closed."""
    from phananh.db import create_engine

    engine = create_engine(settings.database_url, **engine_options)
    hub = Hub(settings.redis_url, channel=CHANNEL) if settings.redis_url else None
    if hub is not None:
        after_commit.attach(engine, hub)
    try:
        yield engine
    finally:
        try:
            if hub is not None:
                await after_commit.drain()
                await hub.close()
        finally:
            await engine.dispose()
