"""CPU time per submit, measured in-process: a stable figure where wrk's throughput is too noisy (issue 13).

Standalone: `python bench/submit_cpu.py`. Creates a temporary PostgreSQL database (PHANANH_BENCH_PG_URL, else
PHANANH_TEST_PG_URL, else postgres@127.0.0.1:5432), migrates and seeds it, runs the real app (its lifespan
included, the limiter on with budgets far above the load, as `bench/intake.py` runs it) behind an in-process
ASGI client, warms up, then sends BENCH_SUBMITS (default 1,000) JSON submits one after the other, each like
`bench/wrk/submit.lua` sends (a new Idempotency-Key each). `time.process_time()` is read around each submit:
the CPU of this process, so the client's share is in it too (the same before and after a change), but not
PostgreSQL's. Statements are counted on the app's engine and on the limiter's own pool, and PostgreSQL's own
count of transactions shows what the pools send besides (a reset on giving a connection back). Progress goes to
stderr; the last line is `RESULT submit_cpu_ms=<median> submit_cpu_p10_ms=<tenth percentile>
submit_cpu_mean_ms=<mean> statements=<per submit>`.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# httpx's ASGI transport tries `import sniffio` on every request (to detect trio): a failed import each time,
# client CPU that would blur the server's figure. Marked absent, the import fails at once.
sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]

import asyncpg  # noqa: E402
import httpx  # noqa: E402
from sqlalchemy import event  # noqa: E402

from bench.scratch import dsn, progress_for, scratch_database  # noqa: E402
from phananh import batch  # noqa: E402
from phananh.app import create_app  # noqa: E402
from phananh.config import Settings  # noqa: E402
from phananh.demo.seed import seed_reference  # noqa: E402
from phananh.server.runtime import tune_garbage_collector  # noqa: E402

SUBMITS = int(os.environ.get("BENCH_SUBMITS", 1_000))
WARM_UP = int(os.environ.get("BENCH_WARM_UP", 200))
progress = progress_for("submit_cpu")


BODY = (
    '{"category":"giao-thong","title":"Phản ánh hiện trường RUN-N",'
    '"description":"Cây đổ chắn ngang đường sau bão, nước ngập sâu, người dân không đi lại được.",'
    '"location":{"lat":9.1769,"lon":105.1524},"address":"Ấp 3, gần chợ",'
    '"reporter":{"name":"Nguyễn Văn Bảy","phone":"0912345678","email":"bay.nguyen@example.vn"},'
    '"anonymous":false,"share_identity_with_agency":false,"consent":true,"urgent_hint":false,"language":"vi"}')


def body(run: str, n: int) -> str:
    """The JSON of bench/wrk/submit.lua (its default place: a pothole in one street)."""
    return BODY.replace("RUN-N", f"{run}-{n}")


class Statements:
    """Statements sent to PostgreSQL: the app's engine (SQLAlchemy events), the batch statements it sends
    straight to asyncpg (phananh.batch), and the limiter's own asyncpg pool."""

    def __init__(self, engine):
        self.count = 0
        event.listen(engine.sync_engine, "before_cursor_execute", self._one)
        alone = batch._fetchrow_alone  # the submit's one statement, sent straight to asyncpg (no events)

        async def counted_alone(*args, **kwargs):
            self.count += 1
            return await alone(*args, **kwargs)

        batch._fetchrow_alone = counted_alone

    def _one(self, *_args) -> None:
        self.count += 1

    def watch_limiter(self, counters) -> None:
        """The limiter's pool (asyncpg's Pool has slots: its methods are counted through a proxy)."""
        if not hasattr(counters, "_pg_pool"):
            return
        pool_of, outer = counters._pg_pool, self

        class Counted:
            def __init__(self, pool):
                self.pool = pool

            def __getattr__(self, name):
                method = getattr(self.pool, name)
                if name == "executemany":
                    def many(sql, rows, *args, **kwargs):
                        outer.count += len(rows)
                        return method(sql, rows, *args, **kwargs)
                    return many
                if name in ("fetchrow", "fetch", "execute", "fetchval"):
                    def one(*args, **kwargs):
                        outer.count += 1
                        return method(*args, **kwargs)
                    return one
                return method

        async def counted_pool():
            return Counted(await pool_of())

        counters._pg_pool = counted_pool


async def server_transactions(app, url: str) -> int:
    """The transactions PostgreSQL counted in the database so far (each autocommitted statement is one, a reset
    sent by a pool too). The app's and the limiter's connections are closed first: a backend reports its counts
    when it exits, else only from time to time."""
    await app.state.engine.dispose()
    counters = app.state.rate_counters
    if getattr(counters, "_pool", None) is not None:
        pool, counters._pool = counters._pool, None
        await pool.close()
    await asyncio.sleep(1.0)
    conn = await asyncpg.connect(dsn(url), timeout=10)
    try:
        return await conn.fetchval("SELECT xact_commit + xact_rollback FROM pg_stat_database"
                                   " WHERE datname = current_database()")
    finally:
        await conn.close()


async def main() -> None:
    async with scratch_database("submit_cpu", progress) as (url, engine):
        await seed_reference(engine)
        with tempfile.TemporaryDirectory(prefix="phananh-bench-") as media:
            settings = Settings(database_url=url, media_dir=Path(media), var_dir=Path(media), run_sweep=False,
                                limit_submit_per_ip="100000000/hour;1000000000/day",
                                limit_media_per_ip="100000000/hour;1000000000/day")
            app = create_app(settings)
            async with app.router.lifespan_context(app):
                statements = Statements(app.state.engine)
                transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
                async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                    run = uuid.uuid4().hex[:8]

                    async def submit(n: int) -> None:
                        response = await client.post(
                            "/api/v1/reports", content=body(run, n).encode(),
                            headers={"Content-Type": "application/json", "Idempotency-Key": f"{run}-{n}"})
                        if response.status_code != 201:
                            raise SystemExit(f"submit {n}: {response.status_code} {response.text[:300]}")

                    progress(f"warm-up: {WARM_UP} submits")
                    for n in range(WARM_UP):
                        await submit(n)
                    statements.watch_limiter(app.state.rate_counters)
                    tune_garbage_collector()  # as a server worker after start-up (phananh.server.runtime)
                    progress(f"measuring {SUBMITS} submits")
                    cpu: list[float] = []
                    statements.count = 0
                    transactions = await server_transactions(app, url)
                    profile = None
                    if os.environ.get("BENCH_PROFILE"):  # a file name: cProfile's stats of the measured submits
                        import cProfile

                        profile = cProfile.Profile(time.process_time)  # CPU, not waits
                        profile.enable()
                    wall = time.perf_counter()
                    for n in range(WARM_UP, WARM_UP + SUBMITS):
                        started = time.process_time()
                        await submit(n)
                        cpu.append(time.process_time() - started)
                    wall = time.perf_counter() - wall
                    # Less the query that reads the count (the rules listener sends nothing but LISTEN).
                    transactions = (await server_transactions(app, url) - transactions - 1) / SUBMITS
                    if profile is not None:
                        profile.disable()
                        profile.dump_stats(os.environ["BENCH_PROFILE"])
                    per_submit = statements.count / SUBMITS
    median, mean = statistics.median(cpu) * 1000, statistics.fmean(cpu) * 1000
    progress(f"{SUBMITS} submits in {wall:.1f} s wall; CPU per submit median {median:.3f} ms, mean {mean:.3f} ms,"
             f" p90 {statistics.quantiles(cpu, n=10)[-1] * 1000:.3f} ms; {per_submit:.2f} statements and"
             f" {transactions:.2f} server transactions per submit")
    # The tenth percentile: the submits least disturbed by the other processes of a shared machine, the steadiest
    # figure from one run to the next there.
    p10 = statistics.quantiles(cpu, n=10)[0] * 1000
    print(f"RESULT submit_cpu_ms={median:.3f} submit_cpu_p10_ms={p10:.3f} submit_cpu_mean_ms={mean:.3f}"
          f" statements={per_submit:.2f} server_transactions={transactions:.2f}")


if __name__ == "__main__":
    try:
        import uvloop  # what uvicorn's "auto" loop takes when it is installed (a production server's loop)
    except ImportError:
        asyncio.run(main())
    else:
        uvloop.run(main())
