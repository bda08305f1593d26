"""Reading the figures: sums over counter cells (never over all reports), plus the few figures that change
with time rather than with events (overdue, at risk), read at request time from the deadline indexes."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any, TypedDict

from sqlalchemy import String, and_, cast, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncConnection

from phananh.directory.service import Directory
from phananh.reports.codes import report_code
from phananh.reports.tables import reports
from phananh.sla.tables import sla_clocks
from phananh.stats.buckets import percentile
from phananh.stats.facts import CONTACT
from phananh.stats.scope import StatsQuery
from phananh.stats.tables import NONE, stats_daily, stats_ratings, stats_reports, stats_stage_daily, stats_stages
from phananh.workflow import OPEN_STATES, Status

STAGES = ("distribute", "return", "respond", "publish")
AGENCY_STAGES = ("return", "respond")  # what an agency answers for; the ranking uses these
DONE_STATES = (Status.resolved, Status.published, Status.closed)
OVERDUE_LIST = 10
PORTAL_NAME = "Cổng TTĐT tỉnh"
_OPEN = [s.value for s in OPEN_STATES]


def _cube_where(table, q: StatsQuery):
    c = table.c
    conds = [c.day >= q.day_from, c.day <= q.day_to]
    if q.category_id is not None:
        conds.append(c.category_id == q.category_id)
    if q.area_id is not None:
        conds.append(c.area_id == q.area_id)
    if q.agency_ids is not None:
        conds.append(c.agency_id.in_(sorted(q.agency_ids)))
    return and_(*conds)


def _key(col):
    return cast(col, String)


async def report_counts(conn: AsyncConnection, q: StatsQuery) -> dict[str, dict[str, int]]:
    """{dimension: {key: count}} in one statement: status, category, area, agency, day, urgent (by contacted)."""
    t = stats_reports.c
    where = _cube_where(stats_reports, q)
    total = func.sum(t.n)
    parts = [
        select(literal("status").label("dim"), _key(t.status).label("k"), total.label("n")).where(where)
        .group_by(t.status),
        select(literal("category"), _key(t.category_id), total).where(where).group_by(t.category_id),
        select(literal("area"), _key(t.area_id), total).where(where).group_by(t.area_id),
        select(literal("agency"), _key(t.agency_id), total).where(where).group_by(t.agency_id),
        select(literal("day"), _key(t.day), total).where(where).group_by(t.day),
        select(literal("urgent_open_uncontacted"), literal("all"), total)
        .where(where, t.urgent.is_(True), t.contacted.is_(False), t.status.in_(_OPEN)),
        select(literal("urgent"), literal("all"), total).where(where, t.urgent.is_(True)),
    ]
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for dim, k, n in (await conn.execute(union_all(*parts))).all():
        if n:
            out[dim][str(k)] = int(n)
    return out


def _unfiltered(q: StatsQuery) -> bool:
    return q.category_id is None and q.area_id is None and q.agency_ids is None


async def report_counts_daily(conn: AsyncConnection, q: StatsQuery) -> tuple[dict[str, dict[str, int]], dict[int, int]]:
    """The same answer as `report_counts` (and the ratings) for the whole province, from the marginals."""
    t = stats_daily.c
    period = and_(t.day >= q.day_from, t.day <= q.day_to)
    total = func.sum(t.n)
    rows = (await conn.execute(union_all(
        select(t.dim, t.key, total).where(period).group_by(t.dim, t.key),
        select(literal("day"), _key(t.day), total).where(period, t.dim == "status").group_by(t.day),
    ))).all()
    out: dict[str, dict[str, int]] = defaultdict(dict)
    ratings: dict[int, int] = {}
    for dim, k, n in rows:
        if not n:
            continue
        if dim == "rating":
            ratings[int(k)] = int(n)
        elif dim == "urgent":
            status, contacted = k.split("|")
            out["urgent"]["all"] = out["urgent"].get("all", 0) + int(n)
            if status in _OPEN and contacted == "0":
                key = "urgent_open_uncontacted"
                out[key]["all"] = out[key].get("all", 0) + int(n)
        else:
            out[dim][str(k)] = int(n)
    return out, ratings


async def stage_counts_daily(conn: AsyncConnection, q: StatsQuery) -> list[tuple]:
    """The same rows as `stage_counts` for the whole province, from the stage marginals."""
    t = stats_stage_daily.c
    rows = (await conn.execute(
        select(t.stage, t.dim, t.key, func.sum(t.n), func.sum(t.seconds))
        .where(t.day >= q.day_from, t.day <= q.day_to).group_by(t.stage, t.dim, t.key))).all()
    out = []
    for stage, dim, key, n, seconds in rows:
        if dim == "agency":
            agency, outcome = key.split("|")
            out.append(("agency", stage, agency, outcome, n, seconds))
        else:
            out.append((dim, stage, key, "", n, seconds))
    return out


async def stage_counts(conn: AsyncConnection, q: StatsQuery) -> list[tuple]:
    """Rows (dim, stage, k1, k2, n, seconds): outcomes per stage, per stage and agency, and duration buckets."""
    t = stats_stages.c
    where = _cube_where(stats_stages, q)
    n, s = func.sum(t.n), func.sum(t.seconds)
    parts = [
        select(literal("outcome"), t.stage, _key(t.outcome), literal(""), n, s).where(where)
        .group_by(t.stage, t.outcome),
        select(literal("agency"), t.stage, _key(t.agency_id), _key(t.outcome), n, s).where(where)
        .group_by(t.stage, t.agency_id, t.outcome),
        select(literal("bucket"), t.stage, _key(t.bucket), literal(""), n, s).where(where)
        .group_by(t.stage, t.bucket),
    ]
    return [tuple(r) for r in (await conn.execute(union_all(*parts))).all()]


async def rating_counts(conn: AsyncConnection, q: StatsQuery) -> dict[int, int]:
    t = stats_ratings.c
    rows = await conn.execute(select(t.score, func.sum(t.n)).where(_cube_where(stats_ratings, q)).group_by(t.score))
    return {int(score): int(n) for score, n in rows.all() if n}


def _report_filter(q: StatsQuery) -> list:
    conds = []
    if q.category_id is not None:
        conds.append(reports.c.category_id == q.category_id)
    if q.area_id is not None:
        conds.append(reports.c.area_id == q.area_id if q.area_id != NONE else reports.c.area_id.is_(None))
    if q.agency_ids is not None:
        conds.append(reports.c.agency_id.in_(sorted(q.agency_ids)))
    return conds


async def now_figures(conn: AsyncConnection, q: StatsQuery, *, now: datetime, d: Directory,
                      with_list: bool = True) -> dict:
    """Open reports overdue or at risk at this instant (whatever the period), from the deadline indexes."""
    conds = _report_filter(q)
    overdue = (await conn.execute(
        select(func.count()).select_from(reports).where(reports.c.next_due_at < now, *conds))).scalar_one()
    risky = select(sla_clocks.c.report_id).where(
        sla_clocks.c.stopped_at.is_(None), sla_clocks.c.at_risk_at < now, sla_clocks.c.due_at >= now)
    at_risk = (await conn.execute(
        select(func.count()).select_from(reports).where(
            reports.c.id.in_(risky), reports.c.next_due_at >= now, *conds))).scalar_one()
    out: dict[str, Any] = {"overdue": int(overdue), "at_risk": int(at_risk)}
    if with_list:
        out["overdue_list"] = await _overdue_list(conn, conds, now=now, d=d)
    return out


async def _overdue_list(conn: AsyncConnection, conds: list, *, now: datetime, d: Directory) -> list[dict]:
    r = reports.c
    rows = (await conn.execute(
        select(r.id, r.created_at, r.title, r.status, r.urgent, r.next_due_at, r.agency_id, r.category_id, r.area_id)
        .where(r.next_due_at < now, *conds).order_by(r.next_due_at, r.id).limit(OVERDUE_LIST)
    )).mappings().all()
    stages: dict[int, list[str]] = defaultdict(list)
    if rows:
        for report_id, stage in (await conn.execute(
            select(sla_clocks.c.report_id, sla_clocks.c.stage).where(
                sla_clocks.c.report_id.in_([x["id"] for x in rows]), sla_clocks.c.stopped_at.is_(None),
                sla_clocks.c.due_at < now).order_by(sla_clocks.c.due_at))).all():
            stages[report_id].append(stage)
    return [{
        "id": x["id"], "code": report_code(x["id"], x["created_at"]), "title": x["title"], "status": x["status"],
        "urgent": x["urgent"], "due_at": x["next_due_at"].isoformat(), "stages": stages.get(x["id"], []),
        "overdue_seconds": int((now - x["next_due_at"]).total_seconds()),
        "category": _named(d.category_by_id, x["category_id"], "name_vi"),
        "agency": _named(d.agency_by_id, x["agency_id"]), "area": _named(d.area_by_id, x["area_id"]),
    } for x in rows]


def _named(by_id: dict, item_id: int | None, field: str = "name") -> dict | None:
    item = by_id.get(item_id) if item_id else None
    return {"code": item["code"], "name": item[field]} if item else None


def _ranked(counts: dict[str, int], by_id: dict, field: str, none_name: str) -> list[dict]:
    out = []
    for key, n in counts.items():
        item = by_id.get(int(key)) if int(key) != NONE else None
        out.append({"code": item["code"] if item else None, "name": item[field] if item else none_name, "count": n})
    return sorted(out, key=lambda x: (-x["count"], x["name"]))


class OnTime(TypedDict):
    on_time: int
    late: int
    rate: float | None


def _rate(on_time: int, late: int) -> float | None:
    return round(on_time / (on_time + late), 4) if on_time + late else None


def _series(days: dict[str, int], q: StatsQuery, granularity: str) -> list[dict]:
    buckets: dict[str, int] = {}
    day = q.day_from
    while day <= q.day_to:
        label = _period_label(day, granularity)
        buckets[label] = buckets.get(label, 0) + days.get(day.isoformat(), 0)
        day += timedelta(days=1)
    return [{"period": k, "count": v} for k, v in buckets.items()]


def _period_label(day: date, granularity: str) -> str:
    if granularity == "week":
        return (day - timedelta(days=day.weekday())).isoformat()
    if granularity == "month":
        return day.strftime("%Y-%m")
    return day.isoformat()


def auto_granularity(q: StatsQuery) -> str:
    span = (q.day_to - q.day_from).days + 1
    return "day" if span <= 62 else "week" if span <= 366 else "month"


def _durations(rows: list[tuple], stage: str) -> dict:
    hist = {int(k1): int(n) for dim, st, k1, _k2, n, _s in rows if dim == "bucket" and st == stage}
    total_n = sum(hist.values())
    total_s = sum(int(s) for dim, st, _k1, _k2, _n, s in rows if dim == "bucket" and st == stage)
    med, p90 = percentile(hist, 0.5), percentile(hist, 0.9)
    return {
        "count": total_n,
        "avg_seconds": round(total_s / total_n) if total_n else None,
        "median_seconds": round(med) if med is not None else None,
        "p90_seconds": round(p90) if p90 is not None else None,
    }


async def overview(conn: AsyncConnection, q: StatsQuery, *, d: Directory, now: datetime,
                   granularity: str | None = None, public: bool = False) -> dict:
    if _unfiltered(q):
        counts, ratings = await report_counts_daily(conn, q)
        stage_rows = await stage_counts_daily(conn, q)
    else:
        counts = await report_counts(conn, q)
        stage_rows = await stage_counts(conn, q)
        ratings = await rating_counts(conn, q)
    by_status = {s.value: counts["status"].get(s.value, 0) for s in Status}
    received = sum(by_status.values())
    granularity = granularity or auto_granularity(q)

    outcome: defaultdict[tuple[str, str], int] = defaultdict(int)
    for dim, stage, k1, _k2, n, _s in stage_rows:
        if dim == "outcome":
            outcome[(stage, k1)] += int(n)
    by_stage: dict[str, OnTime] = {st: {"on_time": outcome[(st, "on_time")], "late": outcome[(st, "late")],
                     "rate": _rate(outcome[(st, "on_time")], outcome[(st, "late")])} for st in STAGES}
    all_on_time = sum(v["on_time"] for v in by_stage.values())
    all_late = sum(v["late"] for v in by_stage.values())
    rated = sum(ratings.values())

    out: dict[str, Any] = {  # the JSON answer
        "period": {**q.echo, "granularity": granularity},
        "generated_at": now.isoformat(),
        "totals": {
            "received": received,
            "open": sum(by_status[s.value] for s in OPEN_STATES),
            "done": sum(by_status[s.value] for s in DONE_STATES),
            "rejected": by_status[Status.rejected.value],
            "merged": by_status[Status.merged.value],
        },
        "by_status": by_status,
        "by_category": _ranked(counts["category"], d.category_by_id, "name_vi", "—"),
        "by_area": _ranked(counts["area"], d.area_by_id, "name", "Chưa xác định"),
        "series": _series(counts["day"], q, granularity),
        "on_time": {"overall": {"on_time": all_on_time, "late": all_late, "rate": _rate(all_on_time, all_late)},
                    "by_stage": by_stage},
        "durations": {st: _durations(stage_rows, st) for st in STAGES},
        "satisfaction": {
            "count": rated,
            "average": round(sum(k * v for k, v in ratings.items()) / rated, 3) if rated else None,
            "distribution": {str(k): ratings.get(k, 0) for k in range(1, 6)},
        },
    }
    if public:
        return out
    per_agency: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: {"on_time": 0, "late": 0})
    for dim, stage, k1, k2, n, _s in stage_rows:
        if dim == "agency" and k2 in ("on_time", "late"):
            per_agency[(stage, k1)][k2] += int(n)
    ranking: dict[str, dict[str, int]] = defaultdict(lambda: {"on_time": 0, "late": 0})
    for (stage, agency), v in per_agency.items():
        if stage in AGENCY_STAGES:
            ranking[agency]["on_time"] += v["on_time"]
            ranking[agency]["late"] += v["late"]

    def agency_item(key: str) -> dict:
        item = d.agency_by_id.get(int(key)) if int(key) != NONE else None
        return {"code": item["code"] if item else None, "name": item["name"] if item else PORTAL_NAME}

    out["by_agency"] = _ranked(counts["agency"], d.agency_by_id, "name", "Chưa phân phối")
    out["totals"]["urgent"] = counts["urgent"].get("all", 0)
    out["totals"]["urgent_open_uncontacted"] = counts["urgent_open_uncontacted"].get("all", 0)
    out["on_time"]["by_stage_agency"] = sorted(
        ({"stage": st, **agency_item(a), **v, "rate": _rate(v["on_time"], v["late"])}
         for (st, a), v in per_agency.items() if st in STAGES),
        key=lambda x: (STAGES.index(x["stage"]), x["name"]))
    out["on_time"]["agency_ranking"] = sorted(
        ({**agency_item(a), **v, "rate": _rate(v["on_time"], v["late"])} for a, v in ranking.items()),
        key=lambda x: (-(x["rate"] or 0), -(x["on_time"] + x["late"]), x["name"]))
    out["contact"] = _durations(stage_rows, CONTACT)
    out["now"] = await now_figures(conn, q, now=now, d=d)
    return out


def local_midnight(day: date, plus_days: int = 0) -> datetime:
    """The UTC instant of local midnight starting `day` (+ days)."""
    from phananh.sla.calendar import TZ

    return datetime.combine(day + timedelta(days=plus_days), datetime.min.time(), tzinfo=TZ)
