"""Real server processes for the live tests: uvicorn on a free port, against a prepared database."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.conftest import DEMO_PASSWORD, make_database


def prepared_database(backend: str, tmp: Path) -> tuple[str, callable]:
    """A fresh migrated and seeded database (made in a worker thread: it runs its own event loop)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(make_database, backend, tmp).result()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server(database_url: str, tmp: Path, **env: str):
    port = free_port()
    environ = {**os.environ, "PHANANH_DATABASE_URL": database_url, "PHANANH_MEDIA_DIR": str(tmp / "media"),
               "PHANANH_VAR_DIR": str(tmp), "PHANANH_LIVE_KEEPALIVE_SECONDS": "0.5", **env}
    environ.pop("PHANANH_REDIS_URL", None) if "PHANANH_REDIS_URL" not in env else None
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "phananh.asgi:app", "--host", "127.0.0.1",
                             "--port", str(port), "--log-level", "warning"], env=environ,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 40
        while True:
            try:
                if httpx.get(base + "/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("server did not start:\n" + proc.stdout.read().decode(errors="replace"))
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


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
