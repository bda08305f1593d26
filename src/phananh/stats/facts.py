"""Which counter cells a report or a stopped stage belongs to: pure functions of rows."""

from __future__ import annotations

from datetime import date, datetime

from phananh.sla.calendar import TZ
from phananh.stats.buckets import bucket_of
from phananh.stats.tables import NONE

# Stages the Portal answers for: counted without an agency.
PORTAL_STAGES = frozenset({"distribute", "publish"})
CONTACT = "contact"


def local_day(moment: datetime) -> date:
    return moment.astimezone(TZ).date()


def report_facts(report: dict) -> dict:
    """The cell a report is counted in, from its row (after an action)."""
    return {
        "day": local_day(report["created_at"]),
        "category_id": report["category_id"],
        "area_id": report.get("area_id") or NONE,
        "agency_id": report.get("agency_id") or NONE,
        "status": str(report["status"]),
        "urgent": bool(report.get("urgent")),
        "contacted": report.get("contacted_at") is not None,
        "rating": report.get("rating") or 0,
    }


def report_cell(facts: dict) -> tuple:
    return (facts["day"], facts["category_id"], facts["area_id"], facts["agency_id"], facts["status"],
            facts["urgent"], facts["contacted"])


def rating_cell(facts: dict) -> tuple | None:
    if not facts["rating"]:
        return None
    return facts["day"], facts["category_id"], facts["area_id"], facts["agency_id"], facts["rating"]


def stage_cell(*, stopped_at: datetime, stage: str, agency_id: int | None, facts: dict, outcome: str,
               seconds: int) -> tuple:
    agency = NONE if stage in PORTAL_STAGES else (agency_id or NONE)
    return (local_day(stopped_at), stage, agency, facts["category_id"], facts["area_id"], outcome,
            bucket_of(seconds))


def duration_seconds(start: datetime, end: datetime) -> int:
    return max(int((end - start).total_seconds()), 0)


def report_marginals(cell: tuple) -> list[tuple]:
    """The province-wide (dim, key) rows a report cell adds to."""
    day, category, area, agency, status, urgent, contacted = cell
    out = [(day, "status", status), (day, "category", str(category)), (day, "area", str(area)),
           (day, "agency", str(agency))]
    if urgent:
        out.append((day, "urgent", f"{status}|{int(contacted)}"))
    return out


def rating_marginals(cell: tuple) -> list[tuple]:
    return [(cell[0], "rating", str(cell[4]))]


def stage_marginals(cell: tuple) -> list[tuple]:
    day, stage, agency, _category, _area, outcome, bucket = cell
    return [(day, stage, "outcome", outcome), (day, stage, "agency", f"{agency}|{outcome}"),
            (day, stage, "bucket", str(bucket))]
