"""How fast the audit chain seals and verifies events on PostgreSQL.

Standalone: `python bench/audit.py`. Creates a temporary database on PHANANH_BENCH_PG_URL (default
PHANANH_TEST_PG_URL, else postgres@127.0.0.1:5432), migrates it, bulk-generates BENCH_AUDIT_EVENTS events
(default 100,000; realistic payloads) with generate_series, then times one sealing pass over all of them
(blocks of 10,000) and one full `verify`. Progress goes to stderr; the last line is
`RESULT audit_events=<n> audit_seal_per_s=<x> audit_verify_per_s=<y> audit_verify_1m_s=<1,000,000 / y>`.
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
from phananh.audit.seal import seal  # noqa: E402
from phananh.audit.verify import verify  # noqa: E402

EVENTS = int(os.environ.get("BENCH_AUDIT_EVENTS", 100_000))
progress = progress_for("audit")

GENERATE = [
    """INSERT INTO categories (id, code, name_vi, name_en, hint_vi, hint_en, group_code, keywords, out_of_scope, active)
       VALUES (1, 'bench', 'Bench', 'Bench', '', '', 'bench', '[]', false, true)""",
    """INSERT INTO reports (id, status, category_id, urgent, urgent_hint, title, description, language, channel,
           visibility, anonymous, share_identity_with_agency, consent, tracking_token, created_at, updated_at, version)
       SELECT g, 'received', 1, false, false, '', 'bench', 'vi', 'api', 'public', true, false, false,
              'bench-' || g, CAST(:now AS timestamptz), CAST(:now AS timestamptz), 1
       FROM generate_series(1, :events / 4) AS g""",
    # Four events per report, with the payloads that actions carry (Vietnamese text, codes, numbers).
    """INSERT INTO events (report_id, action, from_status, to_status, actor_role, actor_user_id, actor_username,
           agency_id, at, public, payload)
       SELECT g / 4 + 1, (ARRAY['submit', 'assign', 'respond', 'comment'])[g % 4 + 1], 'received', 'assigned',
              'dispatcher', NULL, 'dispatcher', NULL, CAST(:now AS timestamptz) - make_interval(secs => g),
              g % 3 <> 0,
              json_build_object('note', 'Chuyển Sở Xây dựng xử lý ổ gà trên đường số ' || g, 'agency', 'so-xay-dung',
                                'lat', 9.1769 + g / 1e6, 'channel', 'api')
       FROM generate_series(0, :events - 1) AS g""",
]


async def main() -> int:
    async with scratch_database("audit", progress, f"for {EVENTS:,} events") as (_url, engine):
        now = datetime.now(timezone.utc)
        async with engine.begin() as conn:
            await conn.execute(text("SET LOCAL synchronous_commit = off"))
            for sql in GENERATE:
                await conn.execute(text(sql), {"now": now, "events": EVENTS})
            await conn.execute(text("ANALYZE events"))
        progress(f"{EVENTS:,} events generated")
        started, cpu = time.perf_counter(), time.process_time()
        sealed = await seal(engine, now=now)
        seal_s, seal_cpu = time.perf_counter() - started, time.process_time() - cpu
        progress(f"sealed {sealed.events:,} events in {sealed.blocks} blocks in {seal_s:.2f} s"
                 f" ({seal_cpu:.2f} s of this process's CPU)")
        started, cpu = time.perf_counter(), time.process_time()
        result = await verify(engine)
        verify_s, verify_cpu = time.perf_counter() - started, time.process_time() - cpu
        progress(f"verified {result.events_checked:,} events in {result.blocks_checked} blocks in {verify_s:.2f} s"
                 f" ({verify_cpu:.2f} s of this process's CPU): {'ok' if result.ok else result.problem.english()}")
        if not result.ok or sealed.events != EVENTS:
            return 1
    print(f"audit chain over {EVENTS:,} events: seal {seal_s:.2f} s, verify {verify_s:.2f} s"
          f" (load average {os.getloadavg()[0]:.1f})")
    print(f"RESULT audit_events={EVENTS} audit_seal_per_s={EVENTS / seal_s:.0f} audit_verify_per_s={EVENTS / verify_s:.0f}"
          f" audit_verify_1m_s={1_000_000 * verify_s / EVENTS:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
