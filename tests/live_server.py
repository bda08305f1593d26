"""Real server processes (uvicorn) on a free port, against their own migrated and seeded databases.

Shared by every test that needs a server over the network: Schemathesis, Open311 clients, live streams,
browsers, durability.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepared_sqlite(tmp: Path, password: str, name: str = "live.db") -> str:
    """A migrated SQLite database with Cà Mau's reference data and demo users (password `password`)."""
    from phananh.db import create_engine
    from phananh.demo.seed import seed_reference, seed_users
    from phananh.migrate import upgrade

    url = f"sqlite+aiosqlite:///{tmp / name}"
    upgrade(url)

    async def seed():
        engine = create_engine(url)
        try:
            await seed_reference(engine)
            await seed_users(engine, password)
        finally:
            await engine.dispose()

    asyncio.run(seed())
    return url


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log_path: Path


def start_server(database_url: str, tmp: Path, *, workers: int = 1, env: dict | None = None,
                 unset: tuple[str, ...] = (), timeout: float = 40) -> Server:
    port = free_port()
    tmp.mkdir(parents=True, exist_ok=True)
    environ = {**os.environ, "PHANANH_DATABASE_URL": database_url, "PHANANH_MEDIA_DIR": str(tmp / "media"),
               "PHANANH_VAR_DIR": str(tmp), **(env or {})}
    for name in unset:
        environ.pop(name, None)
    # The server's output goes to a file: a pipe nobody reads fills up and blocks the server.
    log_path = tmp / f"server-{port}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "phananh.asgi:app", "--host", "127.0.0.1", "--port", str(port),
             "--workers", str(workers), "--log-level", "warning"],
            env=environ, stdout=log, stderr=subprocess.STDOUT, cwd=tmp,
        )
    server = Server(f"http://127.0.0.1:{port}", process, log_path)
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(server.url + "/api/v1/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            stop_server(server)
            raise RuntimeError(f"server did not start:\n{log_path.read_text(errors='replace')[-3000:]}")
        time.sleep(0.2)


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(10)


@contextmanager
def live_server(database_url: str, tmp: Path, **options):
    """`start_server` as a context manager yielding the base URL."""
    server = start_server(database_url, tmp, **options)
    try:
        yield server.url
    finally:
        stop_server(server)
