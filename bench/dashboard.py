"""The dashboard's overview at 1,000,000 reports on PostgreSQL, against the same figures by a plain GROUP BY
over the reports, and the peak memory of a full CSV export of them.

Standalone: `python bench/dashboard.py`. Creates a temporary database on PHANANH_BENCH_PG_URL (default
PHANANH_TEST_PG_URL, else postgres@127.0.0.1:5432), migrates it, seeds Cà Mau's reference data, generates
BENCH_DASHBOARD_ROWS reports over two years with generate_series (their submit events, running SLA clocks for
the open ones, and the counters: the report cubes by the production rebuild statements, the stage cells
synthesised in SQL), then:
- times ~200 overview requests (the dashboard's default: whole province, last 30 days) in process through
  httpx's ASGITransport, against the same counts by GROUP BY over `reports` (status, category, area, agency,
  day, rating, overdue) for the same period;
- starts `uvicorn phananh.asgi:app`, downloads the full CSV export as a dispatcher and reads the server's
  peak resident memory (VmHWM) before and after.
Progress goes to stderr. The last line is
`RESULT dashboard_p95_ms=<x> groupby_p95_ms=<y> ratio=<y/x> export_csv_peak_mb=<z>`.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import text  # noqa: E402

from bench.scratch import progress_for, scratch_database  # noqa: E402
from phananh.db import create_engine  # noqa: E402
from phananh.stats.buckets import EDGES  # noqa: E402
from phananh.stats.rebuild import clear_statements, marginal_statements, report_statements  # noqa: E402

ROWS = int(os.environ.get("BENCH_DASHBOARD_ROWS", 1_000_000))
CALLS = int(os.environ.get("BENCH_DASHBOARD_CALLS", 200))
DAYS = 730
PASSWORD = "bench-mat-khau"
progress = progress_for("dashboard")


# Two years of reports, newest last. Old ones are mostly closed; the last weeks hold the open backlog.
REPORTS = """
INSERT INTO reports (id, status, category_id, agency_id, area_id, urgent, urgent_hint, title, description, lat, lon,
    address, language, channel, visibility, anonymous, reporter_name, reporter_phone, share_identity_with_agency,
    consent, tracking_token, rating, created_at, updated_at, version, assigned_at, contacted_at)
SELECT g, st, cat, CASE WHEN st IN ('received', 'rejected', 'merged') THEN NULL
                        WHEN cat % 3 = 0 THEN commune ELSE dept END,
       area, g % 50 = 0, g % 50 = 0, 'Phản ánh số ' || g, 'Mặt đường hư hỏng, ngập nước khi mưa lớn; đề nghị xử lý.',
       9.0 + (g % 1000) / 1000.0, 104.8 + (g % 997) / 1000.0, 'Ấp ' || (g % 20) || ', Cà Mau', 'vi', 'api', 'public',
       false, 'Nguyễn Văn ' || (g % 1000), '09' || lpad((g % 100000000)::text, 8, '0'), false, true,
       'bench-' || g, CASE WHEN st IN ('published', 'closed') AND g % 5 < 3 THEN CAST(1 + (g * 7) % 5 AS smallint) END,
       created, created + interval '3 days', 1,
       CASE WHEN st NOT IN ('received', 'rejected', 'merged') THEN created + interval '90 minutes' END,
       CASE WHEN g % 50 = 0 AND st <> 'received' THEN created + interval '100 minutes' END
FROM generate_series(1, CAST(:rows AS bigint)) AS g,
     LATERAL (SELECT CAST(:now AS timestamptz) - make_interval(secs => (CAST(:rows AS int) - g) * (CAST(:days AS int) * 86400.0 / CAST(:rows AS int)))
              AS created) c,
     LATERAL (SELECT (CAST(:cats AS int[]))[CAST(1 + (g * 7919) % cardinality(CAST(:cats AS int[])) AS int)] AS cat,
                     (CAST(:areas AS int[]))[CAST(1 + (g * 104729) % cardinality(CAST(:areas AS int[])) AS int)] AS area,
                     (CAST(:depts AS int[]))[CAST(1 + ((g * 7919) % cardinality(CAST(:cats AS int[]))) % cardinality(CAST(:depts AS int[])) AS int)] AS dept) d,
     LATERAL (SELECT (CAST(:communes AS int[]))[CAST(1 + (g * 104729) % cardinality(CAST(:areas AS int[])) AS int)] AS commune) e,
     LATERAL (SELECT CASE
        WHEN created < CAST(:now AS timestamptz) - interval '21 days' THEN
             (ARRAY['closed','closed','closed','closed','closed','closed','closed','closed','closed','closed',
                    'closed','closed','closed','closed','published','published','rejected','merged','resolved',
                    'in_progress'])[CAST(1 + g % 20 AS int)]
        ELSE (ARRAY['received','assigned','in_progress','resolved','published','closed','returned','rejected',
                    'assigned','in_progress'])[CAST(1 + g % 10 AS int)] END AS st) s
"""
EVENTS = """
INSERT INTO events (report_id, action, from_status, to_status, actor_role, at, public, payload)
SELECT id, 'submit', NULL, 'received', 'anonymous', created_at, true, '{}' FROM reports
"""
# Running clocks of the open reports: due from two days ago to two days ahead, so some are overdue, some at risk.
CLOCKS = """
INSERT INTO sla_clocks (report_id, stage, started_at, due_at, at_risk_at, policy_version, urgent)
SELECT id, CASE status WHEN 'received' THEN 'distribute' WHEN 'returned' THEN 'distribute'
                       WHEN 'resolved' THEN 'publish' ELSE 'respond' END,
       due - interval '4 hours', due, due - interval '1 hour', 1, urgent
FROM reports, LATERAL (SELECT CAST(:now AS timestamptz) + make_interval(mins => CAST((id * 37) % 5760 - 2880 AS int)) AS due) d
WHERE status IN ('received', 'assigned', 'returned', 'in_progress', 'resolved')
"""
NEXT_DUE = """
UPDATE reports r SET next_due_at = c.due_at FROM sla_clocks c WHERE c.report_id = r.id AND c.stopped_at IS NULL
"""


def stage_cells_sql() -> str:
    """Stage outcomes and durations as the flows would have counted them, per report, synthesised."""
    bucket = "CASE " + " ".join(f"WHEN secs < {e} THEN {i}" for i, e in enumerate(EDGES)) + f" ELSE {len(EDGES)} END"
    return f"""
    INSERT INTO stats_stages (day, stage, agency_id, category_id, area_id, outcome, bucket, n, seconds)
    SELECT day, stage, agency_id, category_id, area_id, outcome, {bucket}, COUNT(*), SUM(secs) FROM (
      SELECT CAST(timezone('Asia/Ho_Chi_Minh', r.created_at + make_interval(secs => x.secs::double precision)) AS DATE) AS day, x.stage,
             CASE WHEN x.stage IN ('distribute', 'publish') THEN 0 ELSE COALESCE(r.agency_id, 0) END AS agency_id,
             r.category_id, COALESCE(r.area_id, 0) AS area_id,
             CASE WHEN x.secs > x.limit_secs THEN 'late' ELSE 'on_time' END AS outcome, x.secs
      FROM reports r,
           LATERAL (VALUES ('distribute', 7200, (r.id * 13) % 10800),
                           ('respond', 14400, (r.id * 17) % 21600),
                           ('publish', 7200, (r.id * 19) % 9000)) AS x(stage, limit_secs, secs)
      WHERE r.status IN ('published', 'closed') OR (x.stage = 'distribute' AND r.status <> 'received')
    ) s GROUP BY day, stage, agency_id, category_id, area_id, outcome, {bucket}"""


async def generate(engine, now: datetime) -> None:
    from phananh.demo.seed import seed_reference, seed_users

    await seed_reference(engine)
    await seed_users(engine, PASSWORD)
    async with engine.connect() as conn:
        cats = [r[0] for r in await conn.execute(text("SELECT id FROM categories ORDER BY id"))]
        areas = (await conn.execute(text("SELECT a.id, g.id FROM areas a JOIN agencies g ON g.area_id = a.id "
                                         "ORDER BY a.id"))).all()
        depts = [r[0] for r in await conn.execute(text(
            "SELECT id FROM agencies WHERE area_id IS NULL AND parent_id IS NOT NULL ORDER BY id"))]
    params = {"now": now, "rows": ROWS, "days": DAYS, "cats": cats, "areas": [a for a, _ in areas],
              "communes": [c for _, c in areas], "depts": depts}
    steps = [("reports", REPORTS, params), ("submit events", EVENTS, {}), ("running clocks", CLOCKS, {"now": now}),
             ("next deadlines", NEXT_DUE, {})]
    for what, sql, p in steps:
        started = time.monotonic()
        async with engine.begin() as conn:
            await conn.execute(text("SET LOCAL synchronous_commit = off"))
            await conn.execute(text(sql), p)
        progress(f"{what} generated in {time.monotonic() - started:.1f} s")
    started = time.monotonic()
    async with engine.begin() as conn:
        await conn.execute(text("SET LOCAL synchronous_commit = off"))
        indexes = [i for (i,) in await conn.execute(text(
            "SELECT indexname FROM pg_indexes WHERE tablename LIKE 'stats_%' AND indexname LIKE 'ix_%'"))]
        ddl = [d for (d,) in await conn.execute(text(
            "SELECT indexdef FROM pg_indexes WHERE tablename LIKE 'stats_%' AND indexname LIKE 'ix_%'"))]
        for name in indexes:  # a bulk load builds its indexes once, after
            await conn.execute(text(f"DROP INDEX {name}"))
        for stmt in clear_statements() + report_statements("postgresql"):
            await conn.execute(stmt)
        await conn.execute(text(stage_cells_sql()))
        for stmt in marginal_statements():
            await conn.execute(stmt)
        for d in ddl:
            await conn.execute(text(d))
    progress(f"counters built in {time.monotonic() - started:.1f} s")
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("VACUUM ANALYZE"))
        sizes = {t: (await conn.execute(text(f"SELECT count(*) FROM {t}"))).scalar()
                 for t in ("reports", "events", "sla_clocks", "stats_reports", "stats_stages", "stats_ratings",
                           "stats_daily", "stats_stage_daily")}
    progress("rows: " + ", ".join(f"{k} {v:,}" for k, v in sizes.items()))


def groupby_statements(day_from: date, day_to: date, now: datetime) -> list:
    """The same figures as the overview, by plain GROUP BY over the reports of the period."""
    period = ("created_at >= CAST(:since AS timestamptz) AND created_at < CAST(:until AS timestamptz)")
    return [text(sql) for sql in (
        f"SELECT status, count(*) FROM reports WHERE {period} GROUP BY status",
        f"SELECT category_id, count(*) FROM reports WHERE {period} GROUP BY category_id",
        f"SELECT area_id, count(*) FROM reports WHERE {period} GROUP BY area_id",
        f"SELECT agency_id, count(*) FROM reports WHERE {period} GROUP BY agency_id",
        f"SELECT CAST(timezone('Asia/Ho_Chi_Minh', created_at) AS DATE), count(*) FROM reports WHERE {period} GROUP BY 1",
        f"SELECT rating, count(*) FROM reports WHERE {period} AND rating IS NOT NULL GROUP BY rating",
        f"SELECT urgent, contacted_at IS NULL, count(*) FROM reports WHERE {period} AND urgent GROUP BY 1, 2",
        "SELECT count(*) FROM reports WHERE next_due_at < CAST(:now AS timestamptz)",
    )]


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


async def time_overview(url: str, now: datetime) -> tuple[list[float], dict]:
    from phananh.app import create_app
    from phananh.config import Settings

    settings = Settings(database_url=url, demo_password=PASSWORD)
    app = create_app(settings)
    engine = create_engine(url)
    app.state.engine, app.state.clock = engine, (lambda: now)
    times, body = [], {}
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
            r = await client.post("/api/v1/auth/login", json={"username": "supervisor", "password": PASSWORD})
            headers = {"Authorization": "Bearer " + r.json()["access_token"]}
            for i in range(CALLS + 5):
                started = time.perf_counter()
                r = await client.get("/api/v1/stats/overview", headers=headers)
                elapsed = (time.perf_counter() - started) * 1000
                assert r.status_code == 200, r.text
                if i >= 5:  # the first calls warm the caches (directory, statement cache)
                    times.append(elapsed)
            body = r.json()
    finally:
        await engine.dispose()
    return times, body


async def time_groupby(url: str, now: datetime, day_from: date, day_to: date) -> list[float]:
    from phananh.sla.calendar import TZ

    since = datetime.combine(day_from, datetime.min.time(), tzinfo=TZ)
    until = datetime.combine(day_to + timedelta(days=1), datetime.min.time(), tzinfo=TZ)
    engine = create_engine(url)
    times = []
    try:
        async with engine.connect() as conn:
            stmts = groupby_statements(day_from, day_to, now)
            for i in range(CALLS + 5):
                started = time.perf_counter()
                for stmt in stmts:
                    (await conn.execute(stmt, {"since": since, "until": until, "now": now})).all()
                elapsed = (time.perf_counter() - started) * 1000
                if i >= 5:
                    times.append(elapsed)
            await conn.rollback()
    finally:
        await engine.dispose()
    return times


def _vm(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def export_peak(url: str) -> tuple[float, float, int, float]:
    """(peak MB before, peak MB after, rows, seconds) of a full CSV export served by a uvicorn process."""
    from tests.live.server import server  # the same launcher as the live tests

    tmp = Path(os.environ.get("TMPDIR", "/tmp")) / f"phananh-bench-{uuid.uuid4().hex[:6]}"
    tmp.mkdir(parents=True)
    with server(url, tmp) as base:
        pid = int(subprocess.run(["pgrep", "-n", "-f", "--", f"uvicorn.*--port {base.rsplit(':', 1)[1]}"],
                                 capture_output=True, text=True).stdout.split()[0])
        r = httpx.post(base + "/api/v1/auth/login", json={"username": "dispatcher", "password": PASSWORD})
        headers = {"Authorization": "Bearer " + r.json()["access_token"]}
        before = _vm(pid, "VmHWM")
        started, lines = time.monotonic(), 0
        with httpx.stream("GET", base + "/api/v1/exports/reports?format=csv", headers=headers, timeout=600) as resp:
            assert resp.status_code == 200
            for chunk in resp.iter_bytes():
                lines += chunk.count(b"\n")
        seconds = time.monotonic() - started
        after = _vm(pid, "VmHWM")
    return before, after, lines - 1, seconds


async def main() -> None:
    async with scratch_database("dash", progress) as (url, engine):
        now = datetime.now(timezone.utc).replace(microsecond=0)
        await generate(engine, now)
        await engine.dispose()
        times, body = await time_overview(url, now)
        day_from, day_to = date.fromisoformat(body["period"]["from"]), date.fromisoformat(body["period"]["to"])
        progress(f"overview ({day_from} – {day_to}, {body['totals']['received']:,} reports in the period, "
                 f"{body['now']['overdue']:,} overdue now): p50 {pct(times, .5):.1f} ms, p95 {pct(times, .95):.1f} ms")
        gb = await time_groupby(url, now, day_from, day_to)
        progress(f"GROUP BY over reports, same figures: p50 {pct(gb, .5):.1f} ms, p95 {pct(gb, .95):.1f} ms")
        before, after, rows, seconds = await asyncio.to_thread(export_peak, url)
        progress(f"CSV export: {rows:,} rows in {seconds:.1f} s; server peak RSS {before:.0f} MB idle → {after:.0f} MB")
        x, y = pct(times, .95), pct(gb, .95)
        print(f"overview p50={statistics.median(times):.1f}ms groupby p50={statistics.median(gb):.1f}ms "
              f"export_rows={rows} export_s={seconds:.1f} export_idle_peak_mb={before:.0f}")
        print(f"RESULT dashboard_p95_ms={x:.1f} groupby_p95_ms={y:.1f} ratio={y / x:.1f} export_csv_peak_mb={after:.0f}")


if __name__ == "__main__":
    asyncio.run(main())
