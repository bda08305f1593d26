"""Real server processes for the live tests: uvicorn on a free port, against a prepared database."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.conftest import DEMO_PASSWORD, make_database
from tests.live_server import live_server


def prepared_database(backend: str, tmp: Path) -> tuple[str, callable]:
    """A fresh migrated and seeded database (made in a worker thread: it runs its own event loop)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(make_database, backend, tmp).result()


@contextmanager
def server(database_url: str, tmp: Path, **env: str):
    """A server whose streams send keep-alives often; Redis only when the test gives PHANANH_REDIS_URL."""
    with live_server(database_url, tmp, env={"PHANANH_LIVE_KEEPALIVE_SECONDS": "0.5", **env},
                     unset=() if "PHANANH_REDIS_URL" in env else ("PHANANH_REDIS_URL",)) as base:
        yield base


async def login(client: httpx.AsyncClient, base: str, username: str) -> dict:
    r = await client.post(base + "/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


class Stream:
    """An open SSE connection, read in the background: its events and comments, in order."""

    def __init__(self, client: httpx.AsyncClient, url: str, headers: dict):
        self.client, self.url, self.headers = client, url, headers
        self.events: list[dict] = []
        self.comments: list[str] = []
        self._ready = asyncio.Event()

    async def __aenter__(self):
        self._task = asyncio.create_task(self._read())
        await asyncio.wait_for(self._ready.wait(), 10)
        return self

    async def __aexit__(self, *exc):
        self._task.cancel()
        try:
            await self._task
        except (asyncio.CancelledError, Exception):
            pass

    async def _read(self):
        async with self.client.stream("GET", self.url, headers=self.headers, timeout=None) as r:
            assert r.status_code == 200
            assert r.headers["content-type"].startswith("text/event-stream")
            async for line in r.aiter_lines():
                if line.startswith(":"):
                    self.comments.append(line[1:].strip())
                    self._ready.set()
                elif line.startswith("data:"):
                    self.events.append(json.loads(line[5:]))

    async def wait_for(self, predicate, timeout: float = 1.0) -> dict:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for e in self.events:
                if predicate(e):
                    return e
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"no matching event within {timeout}s; got {self.events}")
            await asyncio.sleep(0.02)
