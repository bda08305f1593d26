"""Recompute every counter from the raw rows in set-based SQL: the backfill when the tables are created
on a database that already has reports, and the fast path of the benchmark.

Ties: a stage's agency is that of the last `assign` at or before the clock started; two events of one
report at the very same instant could pick the wrong one (the incremental path knows the event itself).
"""

from __future__ import annotations

from sqlalchemy import text

from phananh.stats.buckets import EDGES
from phananh.stats.facts import PORTAL_STAGES
from phananh.stats.tables import COUNTERS, stats_report_facts


def _day(dialect: str, col: str) -> str:
    if dialect == "postgresql":
        return f"CAST(timezone('Asia/Ho_Chi_Minh', {col}) AS DATE)"
    return f"date({col}, '+7 hours')"


def _seconds(dialect: str, start: str, end: str) -> str:
    if dialect == "postgresql":
        return f"CAST(floor(extract(epoch FROM ({end} - {start}))) AS BIGINT)"
    return f"(CAST(round((julianday({end}) - julianday({start})) * 86400000) AS INTEGER) / 1000)"


def _bucket(seconds: str) -> str:
    whens = " ".join(f"WHEN {seconds} < {edge} THEN {i}" for i, edge in enumerate(EDGES))
    return f"CASE {whens} ELSE {len(EDGES)} END"


def statements(dialect: str) -> list:
    """Every counter, recomputed: clear, report cubes, stage cubes, then the province-wide marginals."""
    return clear_statements() + report_statements(dialect) + stage_statements(dialect) + marginal_statements()


def clear_statements() -> list:
    return [text(f"DELETE FROM {t.name}") for t in (*COUNTERS, stats_report_facts)]


def report_statements(dialect: str) -> list:
    return [text(s) for s in (
        f"""INSERT INTO stats_report_facts (report_id, day, category_id, area_id, agency_id, status, urgent,
                contacted, rating)
            SELECT id, {_day(dialect, 'created_at')}, category_id, COALESCE(area_id, 0), COALESCE(agency_id, 0),
                   status, urgent, contacted_at IS NOT NULL, COALESCE(rating, 0)
            FROM reports""",
        """INSERT INTO stats_reports (day, category_id, area_id, agency_id, status, urgent, contacted, n)
           SELECT day, category_id, area_id, agency_id, status, urgent, contacted, COUNT(*)
           FROM stats_report_facts GROUP BY day, category_id, area_id, agency_id, status, urgent, contacted""",
        """INSERT INTO stats_ratings (day, category_id, area_id, agency_id, score, n)
           SELECT day, category_id, area_id, agency_id, rating, COUNT(*) FROM stats_report_facts
           WHERE rating > 0 GROUP BY day, category_id, area_id, agency_id, rating""",
    )]


def marginal_statements() -> list:
    """The one-dimension sums of the cubes (see stats_daily, stats_stage_daily)."""
    key = "CAST({} AS VARCHAR(32))"
    daily = " UNION ALL ".join([
        "SELECT day, 'status', status, SUM(n) FROM stats_reports GROUP BY day, status",
        *(f"SELECT day, '{dim}', {key.format(col)}, SUM(n) FROM stats_reports GROUP BY day, {col}"
          for dim, col in (("category", "category_id"), ("area", "area_id"), ("agency", "agency_id"))),
        "SELECT day, 'urgent', status || '|' || CASE WHEN contacted THEN '1' ELSE '0' END, SUM(n) FROM stats_reports "
        "WHERE urgent GROUP BY day, status, contacted",
        f"SELECT day, 'rating', {key.format('score')}, SUM(n) FROM stats_ratings GROUP BY day, score",
    ])
    stage_daily = " UNION ALL ".join([
        "SELECT day, stage, 'outcome', outcome, SUM(n), SUM(seconds) FROM stats_stages GROUP BY day, stage, outcome",
        f"SELECT day, stage, 'agency', {key.format('agency_id')} || '|' || outcome, SUM(n), SUM(seconds) "
        "FROM stats_stages GROUP BY day, stage, agency_id, outcome",
        f"SELECT day, stage, 'bucket', {key.format('bucket')}, SUM(n), SUM(seconds) FROM stats_stages "
        "GROUP BY day, stage, bucket",
    ])
    return [text(f"INSERT INTO stats_daily (day, dim, key, n) {daily}"),
            text(f"INSERT INTO stats_stage_daily (day, stage, dim, key, n, seconds) {stage_daily}")]


def stage_statements(dialect: str) -> list:
    portal = ", ".join(f"'{s}'" for s in sorted(PORTAL_STAGES))
    clock_secs = _seconds(dialect, "c.started_at", "c.stopped_at")
    last_assign = ("(SELECT e.{col} FROM events e WHERE e.report_id = {r} AND e.action = 'assign' "
                   "AND e.at <= {at} ORDER BY e.at DESC, e.id DESC LIMIT 1)")
    contact_since = f"COALESCE({last_assign.format(col='at', r='r.id', at='r.contacted_at')}, r.created_at)"
    contact_agency = ("COALESCE((SELECT CASE WHEN e.action = 'assign' THEN e.agency_id ELSE 0 END FROM events e "
                      "WHERE e.report_id = r.id AND e.action IN ('assign', 'return') AND e.at <= r.contacted_at "
                      "ORDER BY e.at DESC, e.id DESC LIMIT 1), 0)")
    contact_secs = _seconds(dialect, "x.since", "x.contacted_at")
    sql = [
        f"""INSERT INTO stats_stages (day, stage, agency_id, category_id, area_id, outcome, bucket, n, seconds)
            SELECT day, stage, agency_id, category_id, area_id, outcome, bucket, COUNT(*), SUM(secs) FROM (
              SELECT {_day(dialect, 'c.stopped_at')} AS day, c.stage,
                     CASE WHEN c.stage IN ({portal}) THEN 0 ELSE COALESCE(
                       {last_assign.format(col='agency_id', r='c.report_id', at='c.started_at')}, 0) END AS agency_id,
                     r.category_id, COALESCE(r.area_id, 0) AS area_id, c.outcome,
                     {_bucket(clock_secs)} AS bucket, {clock_secs} AS secs
              FROM sla_clocks c JOIN reports r ON r.id = c.report_id
              WHERE c.stopped_at IS NOT NULL AND c.outcome IN ('on_time', 'late')
            ) s GROUP BY day, stage, agency_id, category_id, area_id, outcome, bucket""",
        f"""INSERT INTO stats_stages (day, stage, agency_id, category_id, area_id, outcome, bucket, n, seconds)
            SELECT day, 'contact', agency_id, category_id, area_id, 'done', {_bucket('secs')}, COUNT(*), SUM(secs)
            FROM (
              SELECT {_day(dialect, 'x.contacted_at')} AS day, x.agency_id, x.category_id, x.area_id,
                     CASE WHEN {contact_secs} > 0 THEN {contact_secs} ELSE 0 END AS secs
              FROM (SELECT r.contacted_at, {contact_since} AS since, {contact_agency} AS agency_id,
                           r.category_id, COALESCE(r.area_id, 0) AS area_id
                    FROM reports r WHERE r.contacted_at IS NOT NULL) x
            ) s GROUP BY day, agency_id, category_id, area_id, {_bucket('secs')}""",
    ]
    return [text(s) for s in sql]


def rebuild_sync(conn) -> None:
    for stmt in statements(conn.dialect.name):
        conn.execute(stmt)


async def rebuild(conn) -> None:
    for stmt in statements(conn.dialect.name):
        await conn.execute(stmt)
