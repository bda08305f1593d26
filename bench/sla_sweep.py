"""How long one SLA sweep takes over 1,000,000 open reports on PostgreSQL, with and without its index.

Standalone: `python bench/sla_sweep.py`. Creates a temporary database on PHANANH_BENCH_PG_URL (default
PHANANH_TEST_PG_URL, else postgres@127.0.0.1:5432), migrates it, bulk-generates the open reports and their
running clocks with generate_series (a few due, a backlog already flagged, the rest in the future), then
times the sweep's two flag statements (overdue, at risk; each in a rolled-back transaction, best of
BENCH_SWEEP_REPEAT runs) with the partial deadline indexes, and again with them dropped. Progress goes to
stderr; the last line is `RESULT sla_sweep_ms=<x> sla_sweep_noindex_ms=<y> ratio=<y/x>`.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402

from bench.scratch import progress_for, scratch_database  # noqa: E402
from phananh.sla.scheduled import BATCH, flag_statement  # noqa: E402

ROWS = int(os.environ.get("BENCH_SWEEP_ROWS", 1_000_000))
REPEAT = int(os.environ.get("BENCH_SWEEP_REPEAT", 5))
# The work of one sweep: one clock in ten thousand just became overdue, one just became at risk.
DUE_EVERY = 10_000
BACKLOG_EVERY = 20  # one in twenty is long overdue, already flagged, still open (remainder 3: never the above)
# Indexes that could serve the sweep: its own partial ones (0003) and the running-clock ones (0001).
SWEEP_INDEXES = ("ix_sla_clocks_sweep_overdue", "ix_sla_clocks_sweep_at_risk",
                 "ix_sla_clocks_running_due", "ix_sla_clocks_running_risk")
progress = progress_for("sla_sweep")


GENERATE = [
    # Open reports: no secondary indexes needed here, so they are dropped before the load.
    """INSERT INTO reports (id, status, category_id, urgent, urgent_hint, title, description, language, channel,
           visibility, anonymous, share_identity_with_agency, consent, tracking_token, created_at, updated_at, version)
       SELECT g, 'received', 1, false, false, '', 'bench', 'vi', 'api', 'public', true, false, false,
              'bench-' || g, CAST(:now AS timestamptz) - make_interval(mins => g % 120), CAST(:now AS timestamptz), 1
       FROM generate_series(1, :rows) AS g""",
    # One running clock per report, due within three days, except the few just overdue or at risk and the
    # flagged backlog.
    """INSERT INTO sla_clocks (report_id, stage, started_at, due_at, at_risk_at, policy_version, urgent,
           at_risk_flagged_at, overdue_flagged_at)
       SELECT g, (ARRAY['distribute', 'return', 'respond', 'publish'])[g % 4 + 1], s, d, d - interval '10 minutes',
              1, false, CASE WHEN g % :backlog = 3 THEN s END, CASE WHEN g % :backlog = 3 THEN s END
       FROM generate_series(1, :rows) AS g,
            LATERAL (SELECT CAST(:now AS timestamptz) - make_interval(mins => g % 120) AS s) AS started,
            LATERAL (SELECT CASE WHEN g % :due_every = 0 THEN CAST(:now AS timestamptz) - interval '1 minute'
                                 WHEN g % :due_every = 1 THEN CAST(:now AS timestamptz) + interval '5 minutes'
                                 WHEN g % :backlog = 3 THEN CAST(:now AS timestamptz) - interval '2 days'
                                 ELSE CAST(:now AS timestamptz) + make_interval(mins => 15 + g % 4320) END AS d) AS due""",
]


async def _load(engine, now: datetime) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO categories (id, code, name_vi, name_en, hint_vi, hint_en, group_code, "
                                "keywords, out_of_scope, active) VALUES (1, 'bench', 'Bench', 'Bench', '', '', "
                                "'bench', '[]', false, true)"))
        for name in ("ix_reports_status_created", "ix_reports_agency_status", "ix_reports_next_due",
                     "ix_reports_reporter_user", "ix_reports_created", *SWEEP_INDEXES):
            await conn.execute(text(f"DROP INDEX IF EXISTS {name}"))
    params = {"now": now, "rows": ROWS, "due_every": DUE_EVERY, "backlog": BACKLOG_EVERY}
    for what, sql in zip(("reports", "sla_clocks"), GENERATE):
        started = time.monotonic()
        async with engine.begin() as conn:
            await conn.execute(text("SET LOCAL synchronous_commit = off"))
            await conn.execute(text(sql), params)
        progress(f"{ROWS:,} {what} generated in {time.monotonic() - started:.1f} s")
    started = time.monotonic()
    async with engine.begin() as conn:
        for ddl in _index_ddl():
            await conn.execute(text(ddl))
        await conn.execute(text("ANALYZE reports"))
        await conn.execute(text("ANALYZE sla_clocks"))
    progress(f"sweep indexes built and tables analysed in {time.monotonic() - started:.1f} s")


def _index_ddl() -> list[str]:
    return [
        "CREATE INDEX ix_sla_clocks_sweep_overdue ON sla_clocks (due_at) "
        "WHERE stopped_at IS NULL AND overdue_flagged_at IS NULL",
        "CREATE INDEX ix_sla_clocks_sweep_at_risk ON sla_clocks (at_risk_at) "
        "WHERE stopped_at IS NULL AND at_risk_flagged_at IS NULL",
        "CREATE INDEX ix_sla_clocks_running_due ON sla_clocks (due_at) WHERE stopped_at IS NULL",
        "CREATE INDEX ix_sla_clocks_running_risk ON sla_clocks (at_risk_at) WHERE stopped_at IS NULL",
    ]


async def _time_sweep(engine, now: datetime) -> tuple[float, dict[str, int], str]:
    """Best time (ms) of the sweep's two flag statements, rolled back so that every run does the same work."""
    best, flagged, plan = float("inf"), {}, ""
    for _ in range(REPEAT):
        async with engine.connect() as conn:
            tx = await conn.begin()
            started = time.perf_counter()
            counts = {kind: len((await conn.execute(flag_statement(kind, now, BATCH))).all())
                      for kind in ("overdue", "at_risk")}
            elapsed = (time.perf_counter() - started) * 1000
            await tx.rollback()
        best, flagged = min(best, elapsed), counts
    async with engine.connect() as conn:
        tx = await conn.begin()
        compiled = flag_statement("overdue", now, BATCH).compile(dialect=conn.dialect)
        rows = await conn.exec_driver_sql("EXPLAIN ANALYZE " + str(compiled), _positional(compiled))
        plan = next((line for (line,) in rows if "Scan" in line), "?").strip()
        await tx.rollback()
    return best, flagged, plan


def _positional(compiled) -> tuple:
    return tuple(compiled.params[name] for name in compiled.positiontup)


async def main() -> int:
    async with scratch_database("sweep", progress, f"for {ROWS:,} open reports") as (_url, engine):
        now = datetime.now(timezone.utc)
        await _load(engine, now)
        indexed, flagged, plan = await _time_sweep(engine, now)
        progress(f"with the partial deadline index: {indexed:.1f} ms, flags {flagged} · {plan}")
        async with engine.begin() as conn:
            for index in SWEEP_INDEXES:
                await conn.execute(text(f"DROP INDEX {index}"))
        bare, flagged_bare, plan_bare = await _time_sweep(engine, now)
        progress(f"without it: {bare:.1f} ms, flags {flagged_bare} · {plan_bare}")
        if flagged_bare != flagged:
            progress("the two runs flagged different clocks: the figures are not comparable")
            return 1
    print(f"sweep over {ROWS:,} running clocks ({flagged['overdue']} to flag overdue, {flagged['at_risk']} at risk)")
    print(f"RESULT sla_sweep_ms={indexed:.1f} sla_sweep_noindex_ms={bare:.1f} ratio={bare / indexed:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
