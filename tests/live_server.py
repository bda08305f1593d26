"""A real server process (uvicorn) on a free port, against its own migrated and seeded SQLite database."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepared_sqlite(tmp: Path, password: str) -> str:
    from phananh.demo.seed import seed_reference, seed_users
    from phananh.db import create_engine
    from phananh.migrate import upgrade

    url = f"sqlite+aiosqlite:///{tmp / 'live.db'}"
    upgrade(url)

    async def seed():
        engine = create_engine(url)
        await seed_reference(engine)
        await seed_users(engine, password)
        await engine.dispose()

    asyncio.run(seed())
    return url


@contextmanager
def live_server(database_url: str, tmp: Path, *, workers: int = 1, env: dict | None = None):
    port = free_port()
    environ = {**os.environ, "PHANANH_DATABASE_URL": database_url, "PHANANH_MEDIA_DIR": str(tmp / "media"),
               "PHANANH_VAR_DIR": str(tmp), **(env or {})}
    # The server's output goes to a file: a pipe nobody reads fills up and blocks the server.
    log_path = tmp / f"server-{port}.log"
    log = open(log_path, "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "phananh.asgi:app", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(workers), "--log-level", "warning"],
        env=environ, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(base + "/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start:\n{log_path.read_text(errors='replace')}")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
