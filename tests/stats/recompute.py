"""The figures recomputed from the raw rows (reports, events, SLA clocks) by a path independent of the
incremental one: what the counters must equal."""

from __future__ import annotations

from collections import Counter, defaultdict

from sqlalchemy import select

from phananh.reports.tables import events, reports
from phananh.sla.tables import sla_clocks
from phananh.stats.buckets import bucket_of
from phananh.stats.facts import PORTAL_STAGES, local_day
from phananh.stats.tables import stats_daily, stats_ratings, stats_reports, stats_stage_daily, stats_stages

# Which actions stop each stage with a verdict (ARCHITECTURE §4).
STOPPED_BY = {"distribute": {"assign", "reject", "merge"}, "return": {"return"}, "respond": {"respond", "resolve"},
              "publish": {"publish", "rework"}}


async def expected(conn) -> dict[str, Counter]:
    report_rows = (await conn.execute(select(reports))).mappings().all()
    cube, ratings = Counter(), Counter()
    by_id = {}
    for r in report_rows:
        by_id[r["id"]] = r
        key = (local_day(r["created_at"]), r["category_id"], r["area_id"] or 0, r["agency_id"] or 0)
        cube[(*key, r["status"], r["urgent"], r["contacted_at"] is not None)] += 1
        if r["rating"]:
            ratings[(*key, r["rating"])] += 1

    evs = defaultdict(list)
    for e in (await conn.execute(select(events).order_by(events.c.id))).mappings():
        evs[e["report_id"]].append(e)
    stages = Counter()
    for c in (await conn.execute(select(sla_clocks).where(sla_clocks.c.outcome.in_(("on_time", "late"))))).mappings():
        r = by_id[c["report_id"]]
        stopper = [e for e in evs[c["report_id"]] if e["at"] == c["stopped_at"] and e["action"] in STOPPED_BY[c["stage"]]]
        assert len(stopper) == 1, (c, stopper)
        agency = 0 if c["stage"] in PORTAL_STAGES else (stopper[0]["agency_id"] or 0)
        seconds = int((c["stopped_at"] - c["started_at"]).total_seconds())
        cell = (local_day(c["stopped_at"]), c["stage"], agency, r["category_id"], r["area_id"] or 0, c["outcome"],
                bucket_of(seconds))
        stages[cell + ("n",)] += 1
        stages[cell + ("s",)] += seconds
    for report_id, history in evs.items():
        agency, assigned_at = None, None
        for e in history:
            if e["action"] == "assign":
                agency, assigned_at = e["agency_id"], e["at"]
            elif e["action"] == "return":
                agency = None
            elif e["action"] == "log_contact":
                r = by_id[report_id]
                seconds = max(int((e["at"] - (assigned_at or r["created_at"])).total_seconds()), 0)
                cell = (local_day(e["at"]), "contact", agency or 0, r["category_id"], r["area_id"] or 0, "done",
                        bucket_of(seconds))
                stages[cell + ("n",)] += 1
                stages[cell + ("s",)] += seconds
                break  # only the first contact is timed
    daily, stage_daily = Counter(), Counter()
    for (day, category, area, agency, status, urgent, contacted), n in cube.items():
        for dim, key in (("status", status), ("category", category), ("area", area), ("agency", agency)):
            daily[(day, dim, str(key))] += n
        if urgent:
            daily[(day, "urgent", f"{status}|{int(contacted)}")] += n
    for (day, *_dims, score), n in ratings.items():
        daily[(day, "rating", str(score))] += n
    for (day, stage, agency, _c, _a, outcome, bucket, part), v in stages.items():
        for dim, key in (("outcome", outcome), ("agency", f"{agency}|{outcome}"), ("bucket", str(bucket))):
            stage_daily[(day, stage, dim, key, part)] += v
    return {"reports": +cube, "ratings": +ratings, "stages": +stages, "daily": +daily, "stage_daily": +stage_daily}


async def counters(conn) -> dict[str, Counter]:
    """The counter tables as they stand, summed over their shards, without empty cells."""
    cube, ratings, daily = Counter(), Counter(), Counter()
    for r in (await conn.execute(select(stats_reports))).all():
        cube[(r.day, r.category_id, r.area_id, r.agency_id, r.status, bool(r.urgent), bool(r.contacted))] += r.n
    for r in (await conn.execute(select(stats_ratings))).all():
        ratings[(r.day, r.category_id, r.area_id, r.agency_id, r.score)] += r.n
    for r in (await conn.execute(select(stats_daily))).all():
        daily[(r.day, r.dim, r.key)] += r.n
    stages = Counter()
    for r in (await conn.execute(select(stats_stages))).all():
        cell = (r.day, r.stage, r.agency_id, r.category_id, r.area_id, r.outcome, r.bucket)
        if r.n:
            stages[cell + ("n",)] += r.n
        if r.seconds:
            stages[cell + ("s",)] += r.seconds
    stage_daily = Counter()
    for r in (await conn.execute(select(stats_stage_daily))).all():
        if r.n:
            stage_daily[(r.day, r.stage, r.dim, r.key, "n")] += r.n
        if r.seconds:
            stage_daily[(r.day, r.stage, r.dim, r.key, "s")] += r.seconds
    return {"reports": +cube, "ratings": +ratings, "stages": +stages, "daily": +daily, "stage_daily": +stage_daily}
