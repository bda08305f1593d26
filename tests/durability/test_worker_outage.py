"""`phananh worker` while the database is unreachable (PostgreSQL stopped or restarting): each periodic job logs one
warning when the outage starts, no traceback per pass, one line when the database is back, and goes on by itself."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from phananh.db import create_engine
from phananh.ops.outage import DatabaseOutage
from phananh.ops.tables import job_heartbeats
from phananh.worker import run_scheduler
from tests.ops.test_health import closed_port

JOBS = ("scheduled jobs", "audit sealing", "photo derivatives", "retention")
# Long before every report of the test database: the sweep, the automatic close and the retention find nothing due.
PAST = datetime(2001, 1, 1, tzinfo=timezone.utc)


class _Restarting:
    """The worker's one engine object, unreachable until `back()` (the database restarted)."""

    def __init__(self, down, up):
        self._current, self._up = down, up

    def back(self) -> None:
        self._current = self._up

    def __getattr__(self, name):
        return getattr(self._current, name)


async def _heartbeat(engine) -> datetime | None:
    async with engine.connect() as conn:
        return (await conn.execute(select(job_heartbeats.c.beat_at).where(job_heartbeats.c.name == "sweep"))).scalar()


async def test_each_job_warns_once_while_the_database_is_down_and_resumes_when_it_is_back(
        settings, engine, caplog, monkeypatch):
    monkeypatch.setattr(DatabaseOutage, "FIRST_RETRY", 0.01)
    monkeypatch.setattr(DatabaseOutage, "MOST_RETRY", 0.05)
    attempts: dict[str, int] = dict.fromkeys(JOBS, 0)
    failed_pass = DatabaseOutage.failed_pass

    def counting(self, exc):
        attempts[self.job] += 1
        return failed_pass(self, exc)

    monkeypatch.setattr(DatabaseOutage, "failed_pass", counting)
    down = create_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port()}/nothing")
    restarting = _Restarting(down, engine)
    worker_settings = settings.model_copy(update={
        "sweep_interval_seconds": 0.05, "audit_seal_interval_seconds": 0.05, "derivative_interval_seconds": 0.05,
        "identity_retention_interval_hours": 0.05 / 3600, "identity_retention_years": 5,
    })
    stop = asyncio.Event()
    caplog.set_level(logging.INFO, logger="phananh")
    worker = asyncio.create_task(run_scheduler(restarting, worker_settings, clock=lambda: PAST, stop=stop, senders={}))
    try:
        for _ in range(200):  # every job retries a few times while the database is down
            if min(attempts.values()) >= 4:
                break
            await asyncio.sleep(0.02)
        assert min(attempts.values()) >= 4, f"passes while the database was down: {attempts}"
        during = list(caplog.records)
        restarting.back()
        for _ in range(250):
            if sum("database reachable again" in r.getMessage() for r in caplog.records) >= len(JOBS) \
                    and await _heartbeat(engine) == PAST:
                break
            await asyncio.sleep(0.02)
    finally:
        stop.set()
        await asyncio.wait_for(worker, 10)
        await down.dispose()

    warnings = [r.getMessage() for r in during if r.levelno == logging.WARNING]
    for job in JOBS:
        assert sum(m.startswith(f"{job}: database unreachable") and m.endswith("; retrying") for m in warnings) == 1, \
            f"{job}: {warnings}"
    assert not [r for r in during if r.exc_info or r.levelno >= logging.ERROR], "a traceback while the database was down"
    back = [r for r in caplog.records if "database reachable again" in r.getMessage()]
    assert sorted(r.getMessage().split(":")[0] for r in back) == sorted(JOBS)
    assert all(r.levelno == logging.INFO for r in back)
    assert await _heartbeat(engine) == PAST, "the sweep did not run again once the database was back"


async def test_any_other_failure_keeps_its_traceback(caplog):
    database = DatabaseOutage("audit sealing", logging.getLogger("phananh.audit"))
    caplog.set_level(logging.INFO, logger="phananh")
    for _ in range(2):
        database.failed_pass(ValueError("a bug"))
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == \
        [(logging.ERROR, "audit sealing failed; retrying at the next tick")] * 2
    assert all(r.exc_info for r in caplog.records)
    assert database.next_wait(5.0) == 5.0  # not an outage: the job's own interval


def test_what_counts_as_the_database_being_unreachable():
    import errno
    import socket

    from phananh.server.backpressure import database_unreachable

    assert database_unreachable(ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)"))
    assert database_unreachable(socket.gaierror(-3, "Temporary failure in name resolution"))  # the host is gone
    assert database_unreachable(OSError("Multiple exceptions: [Errno 111] Connect call failed ('::1', 5432, 0, 0), "
                                        "[Errno 111] Connect call failed ('127.0.0.1', 5432)"))  # `localhost`
    assert not database_unreachable(OSError(errno.ENOSPC, "No space left on device"))  # the disk: a real failure
    assert not database_unreachable(FileNotFoundError(errno.ENOENT, "photo.jpg"))
    assert not database_unreachable(ValueError("a bug"))


async def test_a_connection_lost_mid_transaction_keeps_the_databases_own_error(tmp_path):
    """With live updates on (Redis), the after-commit hook must not turn a lost connection into PendingRollbackError:
    the worker would not know the database was unreachable and would log a traceback on every pass."""
    from sqlalchemy import text

    from phananh.live import after_commit
    from phananh.live.hub import Hub
    from phananh.server.backpressure import database_unreachable

    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'lost.db'}")
    after_commit.attach(engine, Hub("redis://127.0.0.1:1/0"))
    try:
        with pytest.raises(ConnectionResetError) as raised:
            async with engine.begin() as conn:
                await conn.execute(text("SELECT 1"))
                await conn.invalidate()  # what SQLAlchemy does on a disconnect error
                raise ConnectionResetError(104, "Connection reset by peer")
        assert database_unreachable(raised.value)
        async with engine.begin() as conn:  # and the engine goes on with a new connection
            assert (await conn.execute(text("SELECT 1"))).scalar() == 1
    finally:
        await engine.dispose()
