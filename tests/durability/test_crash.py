"""No acknowledged report is lost when the server dies (issue 7).

Concurrent clients submit reports (some with a photo) to `phananh serve --workers 2` while the whole server
(master and workers) is killed with SIGKILL three times and restarted. Afterwards, straight from the database:
every report whose 201 a client received is there with its submit event exactly once; every report whose
request got no answer is either fully there (event, SLA clock, photo file) or not at all.
"""

from __future__ import annotations

import asyncio
import io
import json
import random
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from phananh.db import create_engine
from tests.conftest import make_database
from tests.durability.server import ServerProcess

pytestmark = pytest.mark.slow

# Acknowledged reports to reach, and when to kill the server (shares of that number). PostgreSQL is the
# production database and gets the full run; SQLite (the embedded mode) a shorter one, to keep the suite quick.
RUNS = {"postgres": (2000, (0.25, 0.5, 0.75)), "sqlite": (800, (0.3, 0.7))}
CLIENTS = 16
PHOTO_EVERY = 5  # one request in five carries a photo


def tiny_photo() -> bytes:
    """A small JPEG of random pixels: unique, so each one is a new file written and fsynced."""
    from PIL import Image

    buf = io.BytesIO()
    Image.frombytes("RGB", (8, 8), random.randbytes(8 * 8 * 3)).save(buf, "JPEG")
    return buf.getvalue()


def report_json(key: str) -> dict:
    return {
        "category": "thien-tai", "title": f"Sạt lở bờ kè {key}",
        "description": "Bờ kè sạt lở sau bão, nước tràn vào nhà dân.",
        "location": {"lat": 9.1769, "lon": 105.1524}, "anonymous": True, "language": "vi",
    }


class Outcomes:
    def __init__(self):
        self.acknowledged: dict[str, int] = {}  # idempotency key -> report id
        self.unanswered: set[str] = set()  # sent, but no answer (connection died)
        self.refused: dict[int, int] = {}  # status -> count (503 while overloaded...): no report expected
        self.with_photo: set[str] = set()


async def client_loop(client: httpx.AsyncClient, out: Outcomes, stop: asyncio.Event, n: int) -> None:
    i = 0
    while not stop.is_set():
        i += 1
        key = f"crash-{n}-{i}-{uuid.uuid4().hex[:6]}"
        body = report_json(key)
        try:
            if i % PHOTO_EVERY == 0:
                out.with_photo.add(key)
                files = {"report": (None, json.dumps(body), "application/json"),
                         "files": ("anh.jpg", tiny_photo(), "image/jpeg")}
                r = await client.post("/api/v1/reports", files=files, headers={"Idempotency-Key": key})
            else:
                r = await client.post("/api/v1/reports", json=body, headers={"Idempotency-Key": key})
        except httpx.ConnectError:
            out.with_photo.discard(key)
            await asyncio.sleep(0.05)  # the server is down: nothing was sent
            continue
        except httpx.TransportError:
            out.unanswered.add(key)
            continue
        if r.status_code == 201:
            out.acknowledged[key] = r.json()["id"]
        else:
            out.refused[r.status_code] = out.refused.get(r.status_code, 0) + 1
            out.unanswered.add(key)  # a refusal must not have made a report; checked like the unanswered


async def killer(server: ServerProcess, out: Outcomes, stop: asyncio.Event, reports: int, kill_at) -> int:
    kills = 0
    for share in kill_at:
        while len(out.acknowledged) < reports * share:
            await asyncio.sleep(0.02)
        await asyncio.sleep(random.uniform(0, 0.05))  # not in step with any one request
        server.kill()
        kills += 1
        await asyncio.sleep(0.3)
        await asyncio.to_thread(server.start)
    while len(out.acknowledged) < reports:
        await asyncio.sleep(0.05)
    stop.set()
    return kills


async def check(url: str, media_dir: Path, out: Outcomes) -> dict:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(text(
                "SELECT r.id, r.idempotency_key,"
                " (SELECT count(*) FROM events e WHERE e.report_id = r.id AND e.action = 'submit') AS submits,"
                " (SELECT count(*) FROM sla_clocks c WHERE c.report_id = r.id) AS clocks,"
                " (SELECT count(*) FROM media m WHERE m.report_id = r.id) AS media"
                " FROM reports r WHERE r.idempotency_key LIKE 'crash-%'"))).all()
            orphan_events = (await conn.execute(text(
                "SELECT count(*) FROM events e LEFT JOIN reports r ON r.id = e.report_id WHERE r.id IS NULL"
            ))).scalar()
            media_paths = (await conn.execute(text(
                "SELECT m.path FROM media m JOIN reports r ON r.id = m.report_id"
                " WHERE r.idempotency_key LIKE 'crash-%'"))).scalars().all()
    finally:
        await engine.dispose()
    stored = {r.idempotency_key: r for r in rows}
    half_written = [r.idempotency_key for r in rows if r.submits != 1 or r.clocks < 1
                    or r.media != (1 if r.idempotency_key in out.with_photo else 0)]
    return {
        "missing": sorted(k for k, rid in out.acknowledged.items() if k not in stored or stored[k].id != rid),
        "half_written": half_written,
        "unanswered_present": sum(1 for k in out.unanswered if k in stored),
        "unknown": sorted(set(stored) - set(out.acknowledged) - out.unanswered),
        "orphan_events": orphan_events,
        "missing_files": [p for p in media_paths if not (media_dir / p).is_file()],
    }


@pytest.mark.parametrize("backend", ["postgres", "sqlite"])
async def test_acknowledged_reports_survive_the_server_being_killed(backend, tmp_path):
    url, drop = await asyncio.to_thread(make_database, backend, tmp_path)
    media_dir = tmp_path / "media"
    server = ServerProcess(url, media_dir=media_dir, workers=2, log=tmp_path / "server.log")
    out, stop = Outcomes(), asyncio.Event()
    try:
        await asyncio.to_thread(server.start)
        limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
        async with httpx.AsyncClient(base_url=server.base_url, timeout=15, limits=limits) as client:
            kill_task = asyncio.create_task(killer(server, out, stop, *RUNS[backend]))
            await asyncio.wait_for(asyncio.gather(*(client_loop(client, out, stop, n) for n in range(CLIENTS))),
                                   timeout=300)
            kills = await kill_task
        found = await check(url, media_dir, out)
    finally:
        server.stop()
        await asyncio.to_thread(drop)

    print(f"\n[{backend}] {len(out.acknowledged)} acknowledged, {len(out.unanswered)} unanswered "
          f"({found['unanswered_present']} of them stored), refused {out.refused or 0}, {kills} SIGKILLs; "
          f"acknowledged-but-missing: {len(found['missing'])}")
    assert kills >= 2
    assert len(out.acknowledged) + len(out.unanswered) >= RUNS[backend][0]
    assert found["missing"] == [], "acknowledged reports lost"
    assert found["half_written"] == [], "reports without their submit event, clock or photo"
    assert found["orphan_events"] == 0
    assert found["missing_files"] == [], "media rows pointing at missing files"
    assert found["unknown"] == []
