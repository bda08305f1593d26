"""Intake benchmark: our POST /api/v1/reports against the floor, on PostgreSQL, under `wrk` load.

Both servers run with the production command (`phananh serve --workers N`, N = cores) on one temporary
database (migrated, reference data seeded); `wrk` keeps 50 connections busy for a fixed time per run. The
machine's cores are shared by the server, PostgreSQL and wrk, so the ratio to the floor is the figure to read.
"""

from __future__ import annotations

import asyncio
import io
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_SERVER = os.environ.get("PHANANH_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
LUA = ROOT / "bench" / "wrk" / "submit.lua"


def progress(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class Run:
    name: str
    accepted: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    detail: str = ""

    @property
    def per_second(self) -> float:
        return self.accepted / self.seconds if self.seconds else 0.0


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_SERVER.replace("postgresql+asyncpg://", "postgresql://"), timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextmanager
def pg_database():
    """A temporary PostgreSQL database, migrated, with the reference data (categories, areas, agencies)."""
    from phananh.db import create_engine
    from phananh.demo.seed import seed_reference
    from phananh.migrate import upgrade

    name = f"phananh_bench_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    url = PG_SERVER.rsplit("/", 1)[0] + "/" + name
    try:
        upgrade(url)

        async def seed():
            engine = create_engine(url)
            try:
                await seed_reference(engine)
            finally:
                await engine.dispose()

        asyncio.run(seed())
        yield url
    finally:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_listening(port: int, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server did not listen on {port} within {timeout} s")


@contextmanager
def server(app_path: str, url: str, *, workers: int, env: dict | None = None):
    """`phananh serve --workers N` in its own process group; yields its base URL."""
    port = free_port()
    media = Path(tempfile.mkdtemp(prefix="phananh-bench-media-"))
    environ = {**os.environ, "PHANANH_DATABASE_URL": url, "PHANANH_MEDIA_DIR": str(media),
               "PHANANH_VAR_DIR": str(media), "PYTHONPATH": str(ROOT), **(env or {})}
    log = open(media / "server.log", "w")
    proc = subprocess.Popen([str(BIN / "phananh"), "serve", "--app", app_path, "--workers", str(workers),
                             "--port", str(port)], env=environ, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        wait_until_listening(port, proc)
        time.sleep(1.0 + 0.5 * workers)  # every worker process up, not only the first
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)
        log.close()
        errors = [line for line in (media / "server.log").read_text(errors="replace").splitlines()
                  if line.startswith(("ERROR", "Traceback")) or "Error:" in line]
        if errors:
            progress(f"{app_path}: {len(errors)} error lines in the server log, the last: {errors[-1][:300]}")
        shutil.rmtree(media, ignore_errors=True)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def make_photo(path: Path, target: int = 200 * 1024) -> Path:
    """A JPEG of about `target` bytes (noise compresses badly, like a real phone photo)."""
    from PIL import Image

    rng = random.Random(7)
    side = 480
    while True:
        img = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=90)
        if len(buf.getvalue()) >= target * 0.97:
            path.write_bytes(buf.getvalue())
            return path
        side += 8


# A storm's mix: reports from every commune of the province, in the categories a typhoon brings.
STORM_CATEGORIES = ("thien-tai", "thoi-tiet", "giao-thong", "cap-thoat-nuoc", "dien-chieu-sang", "ha-tang-do-thi")


def storm_places() -> str:
    from phananh.demo.catalog import load_areas

    return ";".join(f"{cat},{a.lat:.5f},{a.lon:.5f}" for a in load_areas() for cat in STORM_CATEGORIES)


def wrk(base_url: str, name: str, *, seconds: int, connections: int, photo: Path | None = None,
        one_place: bool = False) -> Run:
    """`one_place`: every report in one commune and category (one statistics cell: the worst case)."""
    env = {**os.environ, "BENCH_RUN": uuid.uuid4().hex[:8]}
    env.pop("BENCH_PHOTO", None)
    env.pop("BENCH_PLACES", None)
    if not one_place:
        env["BENCH_PLACES"] = storm_places()
    if photo:
        env["BENCH_PHOTO"] = str(photo)
    cmd = ["wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s", "-s", str(LUA),
           base_url]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=seconds + 60).stdout
    m = re.search(r"^RESULT (.*)$", out, re.M)
    if not m:
        raise RuntimeError(f"wrk printed no RESULT line:\n{out}")
    f = dict(kv.split("=", 1) for kv in m.group(1).split())
    non201 = sum(int(x.split(":")[1]) for x in f["non201"].split(",")) if f["non201"] != "0" else 0
    errors = int(f["socket_errors"]) + int(f["timeouts"]) + non201
    detail = "" if f["non201"] == "0" else f"status {f['non201']}"
    return Run(name, int(f["accepted"]), int(f["duration_us"]) / 1e6, int(f["p50_us"]) / 1000,
               int(f["p95_us"]) / 1000, int(f["p99_us"]) / 1000, errors, detail)


# Every run of each name in round order (run_intake fills it): ours and the floor of one round ran back to back,
# so their ratio, round by round, is steadier on a shared machine than the ratio of the two best runs.
PER_ROUND: dict[str, list[Run]] = {}


def run_intake(*, workers: int, seconds: int, connections: int, rounds: int) -> dict[str, Run]:
    """Ours and the floor, JSON then with a photo, interleaved; the best round of each is kept."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (Debian package `wrk`; `make bench` installs it)")
    # Production settings (README): a fixed pool of 25 connections per process, enough for its share of the 50
    # clients (overflow connections are closed when returned, and reopening them under load cost ~10 %); the
    # SLA sweep runs in `phananh worker`, not in every server process.
    env = {"PHANANH_POOL_SIZE": os.environ.get("PHANANH_POOL_SIZE", "25"),
           "PHANANH_POOL_MAX_OVERFLOW": os.environ.get("PHANANH_POOL_MAX_OVERFLOW", "0"), "PHANANH_RUN_SWEEP": "0",
           # All load comes from 127.0.0.1: per-IP budgets far above it, so the limiter runs on every submit
           # (its cost is measured) but never refuses.
           "PHANANH_LIMIT_SUBMIT_PER_IP": "100000000/hour;1000000000/day",
           "PHANANH_LIMIT_MEDIA_PER_IP": "100000000/hour;1000000000/day"}
    best: dict[str, Run] = {}
    apps = {"ours": "phananh.asgi:app", "floor": "bench.floor_app:app"}
    with tempfile.TemporaryDirectory() as tmp, pg_database() as url:
        photo = make_photo(Path(tmp) / "photo.jpg")
        progress(f"PostgreSQL database ready; each run starts its server ({workers} workers), warms it up and "
                 "stops it, so that one server's pools hold the database's connections at a time")
        plan = [("intake JSON", None), ("intake photo 200 KB", photo)]
        for r in range(rounds):
            for label, with_photo in plan:
                for who, app_path in apps.items():
                    name = f"{label} ({who})"
                    with server(app_path, url, workers=workers, env=env) as base:
                        wrk(base, "warm-up", seconds=2, connections=connections)  # connections, statements, caches
                        progress(f"round {r + 1}/{rounds}: {name}, {connections} clients, {seconds} s")
                        run = wrk(base, name, seconds=seconds, connections=connections, photo=with_photo)
                    progress(f"  {run.per_second:.0f} reports/s, p99 {run.p99_ms:.1f} ms, {run.errors} errors")
                    if name not in best or run.per_second > best[name].per_second:
                        best[name] = run
                    PER_ROUND.setdefault(name, []).append(run)
        for name, app_path, one_place in (("intake JSON, one cell (ours)", apps["ours"], True),
                                          ("intake JSON, no stats hook", "bench.without_stats_app:app", False)):
            with server(app_path, url, workers=workers, env=env) as base:
                wrk(base, "warm-up", seconds=2, connections=connections)
                progress(f"{name}, {seconds} s")
                best[name] = wrk(base, name, seconds=seconds, connections=connections, one_place=one_place)
            progress(f"  {best[name].per_second:.0f} reports/s, p99 {best[name].p99_ms:.1f} ms")
    return best
