"""Reads that only the consoles need: likely duplicates, the people to call, an agency's own figures."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from phananh.auth.tables import users
from phananh.reports.codes import report_code
from phananh.reports.tables import events, reports
from phananh.sla.tables import sla_clocks
from phananh.workflow import OPEN_STATES, Role, Status

DUPLICATE_METRES = 500
DUPLICATE_HOURS = 72
_DEG_LAT_METRES = 111_320


def metres_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6_371_000 * 2 * math.asin(math.sqrt(a))


async def likely_duplicates(conn: AsyncConnection, report: dict, category_id: int, limit: int = 8) -> list[dict]:
    """Reports of the same category made near the same place within ±72 h: merge candidates."""
    loc = report.get("location")
    if not loc:
        return []
    dlat = DUPLICATE_METRES / _DEG_LAT_METRES
    dlon = dlat / max(math.cos(math.radians(loc["lat"])), 0.01)
    window = timedelta(hours=DUPLICATE_HOURS)
    rows = (await conn.execute(
        select(reports.c.id, reports.c.created_at, reports.c.status, reports.c.title, reports.c.description,
               reports.c.lat, reports.c.lon)
        .where(reports.c.id != report["id"], reports.c.category_id == category_id,
               reports.c.status.in_([s.value for s in OPEN_STATES | {Status.closed}]),
               reports.c.created_at.between(report["created_at"] - window, report["created_at"] + window),
               reports.c.lat.between(loc["lat"] - dlat, loc["lat"] + dlat),
               reports.c.lon.between(loc["lon"] - dlon, loc["lon"] + dlon))
        .order_by(reports.c.created_at).limit(50)
    )).mappings().all()
    out = []
    for r in rows:
        metres = metres_between(loc["lat"], loc["lon"], r["lat"], r["lon"])
        if metres <= DUPLICATE_METRES:
            out.append({"id": r["id"], "code": report_code(r["id"], r["created_at"]), "status": r["status"],
                        "title": r["title"] or r["description"][:80], "metres": round(metres),
                        "hours": round(abs((r["created_at"] - report["created_at"]).total_seconds()) / 3600, 1)})
    return sorted(out, key=lambda r: r["metres"])[:limit]


async def agency_people(conn: AsyncConnection, agency_id: int) -> list[dict]:
    """The agency's active staff, leaders first (the urgent contact list and the delegate choices)."""
    rows = (await conn.execute(
        select(users.c.username, users.c.full_name, users.c.role, users.c.phone, users.c.email)
        .where(users.c.agency_id == agency_id, users.c.active.is_(True),
               users.c.role.in_([Role.agency_leader, Role.handler]))
        .order_by(case((users.c.role == Role.agency_leader, 0), else_=1), users.c.username)
    )).mappings().all()
    return [dict(r) for r in rows]


async def agency_figures(conn: AsyncConnection, agency_id: int, now: datetime) -> dict:
    """Open and overdue reports now, and the on-time rate of the agency's answers (respond and return clocks)."""
    mine = and_(reports.c.agency_id == agency_id, reports.c.status.in_([Status.assigned, Status.in_progress]))
    open_, overdue = (await conn.execute(
        select(func.count(), func.count().filter(reports.c.next_due_at < now)).select_from(reports).where(mine)
    )).one()
    # A clock is the agency's when the assign (or reopen) that started it went to this agency.
    started_here = select(events.c.id).where(
        events.c.report_id == sla_clocks.c.report_id, events.c.at == sla_clocks.c.started_at,
        events.c.action.in_(["assign", "reopen"]), events.c.agency_id == agency_id,
    ).exists()
    on_time, judged = (await conn.execute(
        select(func.count().filter(sla_clocks.c.outcome == "on_time"), func.count())
        .where(sla_clocks.c.stage == "respond", sla_clocks.c.outcome.in_(["on_time", "late"]), started_here)
    )).one()
    return {"open": open_, "overdue": overdue, "judged": judged,
            "on_time_rate": round(100 * on_time / judged) if judged else None}
