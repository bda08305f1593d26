"""How fast `q` searches 1,000,000 reports on PostgreSQL (issue 14: p95 under 100 ms).

Standalone: `python bench/search.py`. Creates a temporary database on PHANANH_BENCH_PG_URL (default
PHANANH_TEST_PG_URL, else postgres@127.0.0.1:5432), migrates it (pg_trgm and the trigram GIN indexes of migration
0010), loads Cà Mau's reference data, bulk-generates the reports with generate_series (Vietnamese titles and
addresses from a few hundred combinations, folded as reports/search.py folds them), then times the list a
dispatcher gets (`reports.queries.list_reports`: the count and the first page of 20, newest first) for queries
people type without diacritics: common ones ("sat lo", ~1/12 of the reports), rare ones, and one that finds nothing.
Progress goes to stderr; the last line is `RESULT search_p95_ms=<x> search_p50_ms=<y> rows=<n>`.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402

from bench.scratch import progress_for, scratch_database  # noqa: E402
from phananh.auth.principal import Principal  # noqa: E402
from phananh.demo.seed import seed_reference  # noqa: E402
from phananh.reports import queries  # noqa: E402
from phananh.reports.search import fold  # noqa: E402
from phananh.workflow import Role  # noqa: E402

ROWS = int(os.environ.get("BENCH_SEARCH_ROWS", 1_000_000))
REPEAT = int(os.environ.get("BENCH_SEARCH_REPEAT", 10))
progress = progress_for("search")

TOPICS = ["Sạt lở bờ kè", "Ổ gà trên đường", "Ngập úng khu dân cư", "Rác thải sinh hoạt", "Đèn đường hỏng",
          "Cây xanh ngã đổ", "Lấn chiếm vỉa hè", "Tiếng ồn karaoke", "Nước thải ra kênh", "Cháy rừng tràm",
          "Dịch sốt xuất huyết", "Đường điện hở"]
PLACES = ["đường Lý Thường Kiệt", "đường Trần Hưng Đạo", "ấp Mũi, xã Đất Mũi", "phường An Xuyên", "chợ Cà Mau",
          "kênh Xáng Phụng Hiệp", "xã Khánh Bình", "thị trấn Năm Căn", "đường Nguyễn Tất Thành", "cầu Gành Hào",
          "phường Tân Thành", "xã Tân Thuận", "đặc khu Phú Quốc", "ấp Cái Nước", "đường 3 Tháng 2", "bến phà Hòa Trung",
          "khóm 4", "ấp Rạch Gốc", "xã Lợi An", "đường Phan Ngọc Hiển"]
# What people type: common topics, a place, a topic at a place, rare words, nothing.
QUERIES = ["sat lo", "o ga", "SẠT LỞ", "ngap ung", "den duong hong", "khanh binh", "duong tran hung dao",
           "ap rach goc", "xang phung hiep", "khong co gi ca"]


def _array(items: list[str]) -> str:
    return "ARRAY[" + ", ".join("'" + s.replace("'", "''") + "'" for s in items) + "]"


GENERATE = f"""
INSERT INTO reports (id, status, category_id, urgent, urgent_hint, title, description, address, language, channel,
    visibility, anonymous, share_identity_with_agency, consent, tracking_token, created_at, updated_at, version,
    search_text)
SELECT g, 'received', :category, false, false, t.title || ' #' || g,
       'Người dân phản ánh ' || lower(t.title) || ', đề nghị cơ quan chức năng xử lý sớm.', t.place,
       'vi', 'api', 'public', true, false, false, 'bench-' || g,
       CAST(:now AS timestamptz) - make_interval(secs => g * 30), CAST(:now AS timestamptz), 1,
       t.folded_title || ' #' || g || ' nguoi dan phan anh ' || t.folded_title
           || ', de nghi co quan chuc nang xu ly som. ' || t.folded_place
FROM generate_series(1, :rows) AS g,
     LATERAL (SELECT ({_array(TOPICS)})[g % {len(TOPICS)} + 1] AS title,
                     ({_array([fold(t) for t in TOPICS])})[g % {len(TOPICS)} + 1] AS folded_title,
                     ({_array(PLACES)})[(g / {len(TOPICS)}) % {len(PLACES)} + 1] AS place,
                     ({_array([fold(p) for p in PLACES])})[(g / {len(TOPICS)}) % {len(PLACES)} + 1] AS folded_place
     ) AS t
"""


async def _load(engine, now: datetime) -> None:
    await seed_reference(engine)
    async with engine.begin() as conn:
        category = (await conn.execute(text("SELECT min(id) FROM categories"))).scalar_one()
        # The GIN index is built once after the load (as a restore would), not row by row.
        await conn.execute(text("DROP INDEX IF EXISTS ix_reports_search_text_trgm"))
    started = time.monotonic()
    async with engine.begin() as conn:
        await conn.execute(text("SET LOCAL synchronous_commit = off"))
        await conn.execute(text(GENERATE), {"now": now, "rows": ROWS, "category": category})
        await conn.execute(text(f"SELECT setval('reports_id_seq', {ROWS})"))
    progress(f"{ROWS:,} reports generated in {time.monotonic() - started:.1f} s")
    started = time.monotonic()
    async with engine.begin() as conn:
        await conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
        await conn.execute(text("CREATE INDEX ix_reports_search_text_trgm ON reports "
                                "USING gin (search_text gin_trgm_ops)"))
        await conn.execute(text("ANALYZE reports"))
    progress(f"trigram index built and table analysed in {time.monotonic() - started:.1f} s")


async def _time_queries(engine, now: datetime) -> tuple[list[float], dict[str, tuple[int, float]]]:
    viewer = Principal(role=Role.dispatcher, user_id=None, username="bench")
    samples, per_query = [], {}
    for q in QUERIES:  # one warm-up each: the first read of a page of the index is the disk's, not the query's
        async with engine.connect() as conn:
            await queries.list_reports(conn, viewer, queries.ReportFilter(q=q), now=now)
    for _ in range(REPEAT):
        for q in QUERIES:
            async with engine.connect() as conn:
                started = time.perf_counter()
                page = await queries.list_reports(conn, viewer, queries.ReportFilter(q=q), now=now)
                elapsed = (time.perf_counter() - started) * 1000
                await conn.rollback()
            samples.append(elapsed)
            total, worst = per_query.get(q, (page["total"], 0.0))
            per_query[q] = (page["total"], max(worst, elapsed))
    return samples, per_query


async def main() -> int:
    async with scratch_database("search", progress, f"for {ROWS:,} reports") as (_url, engine):
        now = datetime.now(timezone.utc)
        await _load(engine, now)
        samples, per_query = await _time_queries(engine, now)
        for q, (total, worst) in per_query.items():
            progress(f"q={q!r}: {total:,} found, slowest {worst:.1f} ms")
        async with engine.connect() as conn:
            plan = await conn.execute(text("EXPLAIN SELECT count(*) FROM reports WHERE search_text LIKE '%sat lo%'"))
            progress("plan: " + " / ".join(line for (line,) in plan if "Scan" in line).strip())
    samples.sort()
    p95 = samples[max(0, int(len(samples) * 0.95) - 1)]
    p50 = statistics.median(samples)
    load = os.getloadavg()[0]
    print(f"search over {ROWS:,} reports: {len(samples)} queries, p50 {p50:.1f} ms, p95 {p95:.1f} ms "
          f"(load average {load:.1f})")
    print(f"RESULT search_p95_ms={p95:.1f} search_p50_ms={p50:.1f} rows={ROWS} load={load:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
