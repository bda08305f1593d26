"""What the command-line modules share: one short-lived engine on the configured database per command."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:  # the command line imports SQLAlchemy only when a command needs the database
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

T = TypeVar("T")


def with_engine(work: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    """Run `work(engine)` on an engine to PHANANH_DATABASE_URL, and dispose of the engine whatever happens."""
    from phananh.config import get_settings
    from phananh.db import create_engine

    async def _go() -> T:
        engine = create_engine(get_settings().database_url)
        try:
            return await work(engine)
        finally:
            await engine.dispose()

    return asyncio.run(_go())


def in_transaction(work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
    """Run `work(conn)` in one transaction on the configured database: committed when it returns, rolled back
    when it raises."""

    async def _begin(engine: AsyncEngine) -> T:
        async with engine.begin() as conn:
            return await work(conn)

    return with_engine(_begin)
