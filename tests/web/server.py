"""A real server for the browser tests: uvicorn in a subprocess on a free 127.0.0.1 port, against a migrated and
seeded temporary SQLite database."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.conftest import DEMO_PASSWORD
from tests.live_server import Server, prepared_sqlite, start_server, stop_server

# Tiles from a port where nothing listens: the map must work without them (and no test leaves this machine).
DEAD_TILES = "http://127.0.0.1:9/{z}/{x}/{y}.png"


@dataclass
class LiveServer:
    url: str
    db_url: str
    db_path: Path
    server: Server

    @property
    def log_path(self) -> Path:
        return self.server.log_path


def start(tmp: Path) -> LiveServer:
    db_url = prepared_sqlite(tmp, DEMO_PASSWORD, name="browser.db")
    server = start_server(db_url, tmp, env={"PHANANH_TILE_URL": DEAD_TILES, "PHANANH_SECRET_KEY": "browser-test-secret",
                                            "PHANANH_DEMO_PASSWORD": DEMO_PASSWORD})
    return LiveServer(server.url, db_url, tmp / "browser.db", server)


def stop(server: LiveServer) -> None:
    stop_server(server.server)
