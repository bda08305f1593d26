"""A real server for the browser tests: uvicorn in a subprocess on a free 127.0.0.1 port, against a migrated and
seeded temporary SQLite database."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.conftest import DEMO_PASSWORD

# Tiles from a port where nothing listens: the map must work without them (and no test leaves this machine).
DEAD_TILES = "http://127.0.0.1:9/{z}/{x}/{y}.png"


@dataclass
class LiveServer:
    url: str
    db_url: str
    db_path: Path
    process: subprocess.Popen
    log_path: Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _seed(url: str) -> None:
    from phananh.db import create_engine
    from phananh.demo.seed import seed_reference, seed_users

    engine = create_engine(url)
    try:
        await seed_reference(engine)
        await seed_users(engine, DEMO_PASSWORD)
    finally:
        await engine.dispose()


def start(tmp: Path) -> LiveServer:
    from phananh.migrate import upgrade

    db_path = tmp / "browser.db"
    db_url = f"sqlite+aiosqlite:///{db_path}"
    upgrade(db_url)
    asyncio.run(_seed(db_url))
    port = free_port()
    env = {**os.environ, "PHANANH_DATABASE_URL": db_url, "PHANANH_MEDIA_DIR": str(tmp / "media"),
           "PHANANH_VAR_DIR": str(tmp), "PHANANH_TILE_URL": DEAD_TILES, "PHANANH_SECRET_KEY": "browser-test-secret",
           "PHANANH_DEMO_PASSWORD": DEMO_PASSWORD}
    log_path = tmp / "server.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "phananh.asgi:app", "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "warning"],
        env=env, stdout=log_path.open("wb"), stderr=subprocess.STDOUT, cwd=tmp)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server stopped:\n" + log_path.read_text()[-3000:])
        try:
            if httpx.get(url + "/api/v1/health", timeout=1).status_code == 200:
                return LiveServer(url, db_url, db_path, process, log_path)
        except httpx.HTTPError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("the server did not start in 30 s:\n" + log_path.read_text()[-3000:])


def stop(server: LiveServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
