"""REST routes: the calendar and SLA policy admin API, and a report's SLA figures (staff)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from phananh.api.deps import Engine, Now, require_roles
from phananh.api.openapi import error_responses
from phananh.auth.principal import Principal
from phananh.directory import service as directory
from phananh.errors import not_found
from phananh.reports.queries import resolve_report_ref
from phananh.reports.scope import visible_clause
from phananh.reports.tables import reports
from phananh.sla import admin, service
from phananh.sla.clock import stage_status
from phananh.sla.tables import sla_clocks
from phananh.workflow import Role

router = APIRouter(tags=["sla"])

Admin = Annotated[Principal, Depends(require_roles(Role.admin))]
AdminOrDispatcher = Annotated[Principal, Depends(require_roles(Role.admin, Role.dispatcher))]
Staff = Annotated[Principal, Depends(require_roles(Role.dispatcher, Role.handler, Role.agency_leader,
                                                   Role.supervisor, Role.admin))]


class CalendarDayIn(BaseModel):
    day: date
    kind: Literal["day_off", "working_day"]
    name: str = Field(min_length=1, max_length=200)
    note: str | None = Field(default=None, max_length=2000)


class StageLimits(BaseModel):
    working_day: int = Field(gt=0, description="minutes")
    day_off: int = Field(gt=0, description="minutes")


class PolicyIn(BaseModel):
    mode: Literal["day_type", "office_hours"]
    limits: dict[str, StageLimits]
    urgent_limits: dict[str, StageLimits] | None = None
    at_risk_fraction: float = Field(default=0.25, ge=0, lt=1)
    # {"mon": [["07:00", "11:00"], ["13:00", "17:00"]], ...}; null: the default office hours
    office_hours: dict[str, list[tuple[str, str]]] | None = None


@router.get("/admin/calendar")
async def list_calendar(engine: Engine, _who: AdminOrDispatcher, year: Annotated[int, Query(ge=1900, le=2200)],
                        include_removed: bool = False) -> dict[str, Any]:
    """A year's declared days: holidays and substitute days off, make-up working days (admin; dispatcher reads)."""
    async with engine.connect() as conn:
        items = await admin.list_days(conn, year=year, include_removed=include_removed)
    return {"year": year, "items": items, "total": len(items)}


@router.post("/admin/calendar", status_code=201)
async def put_calendar_day(body: CalendarDayIn, engine: Engine, who: Admin, now: Now, response: Response) -> dict[str, Any]:
    """Declare a date a day off or a working day (replaces the date's row); running deadlines are recomputed."""
    async with engine.begin() as conn:
        row, created = await admin.put_day(conn, day=body.day, kind=body.kind, name=body.name, note=body.note,
                                           by=who.signed_in_username, now=now)
    service.invalidate()
    if not created:
        response.status_code = 200
    return row


@router.delete("/admin/calendar/{day}")
async def remove_calendar_day(day: date, engine: Engine, who: Admin, now: Now) -> dict[str, Any]:
    """Remove a date's declaration (kept as removed, so re-seeding never brings it back)."""
    async with engine.begin() as conn:
        row = await admin.remove_day(conn, day=day, by=who.signed_in_username, now=now)
    service.invalidate()
    return row


@router.get("/admin/sla-policy")
async def get_policy(engine: Engine, _who: AdminOrDispatcher) -> dict[str, Any]:
    """The SLA policy in force (limits in minutes)."""
    async with engine.connect() as conn:
        return await admin.current_policy(conn)


@router.put("/admin/sla-policy", responses=error_responses(409, 422))
async def put_policy(body: PolicyIn, engine: Engine, who: Admin, now: Now) -> dict[str, Any]:
    """A new policy version; running deadlines are recomputed with it."""
    async with engine.begin() as conn:
        policy = await admin.put_policy(conn, data=body.model_dump(), by=who.signed_in_username, now=now)
    service.invalidate()
    return policy


@router.get("/reports/{report_ref}/sla")
async def report_sla(report_ref: str, engine: Engine, viewer: Staff, now: Now) -> dict[str, Any]:
    """Every stage clock of a report with its outcome, and the time from assignment to the leader contact."""
    async with engine.connect() as conn:
        report_id = await resolve_report_ref(conn, report_ref)
        d = await directory.load(conn)
        subtree = d.agency_subtree(viewer.agency_id) if viewer.role == Role.supervisor and viewer.agency_id else None
        row = (
            await conn.execute(select(reports.c.assigned_at, reports.c.contacted_at)
                               .where(reports.c.id == report_id, visible_clause(viewer, subtree)))
        ).first()
        if row is None:
            raise not_found()
        clocks = (
            await conn.execute(select(sla_clocks).where(sla_clocks.c.report_id == report_id)
                               .order_by(sla_clocks.c.started_at, sla_clocks.c.id))
        ).mappings().all()
    return {
        "report_id": report_id,
        "assigned_at": row.assigned_at,
        "contacted_at": row.contacted_at,
        "contact_seconds": contact_seconds(row.assigned_at, row.contacted_at),
        "clocks": [clock_view(c, now) for c in clocks],
    }


def contact_seconds(assigned_at: datetime | None, contacted_at: datetime | None) -> int | None:
    """Seconds from the (latest) assignment to the first logged contact; 0 when the contact came first."""
    if assigned_at is None or contacted_at is None:
        return None
    return max(int((contacted_at - assigned_at).total_seconds()), 0)


def clock_view(c: Mapping[Any, Any], now: datetime) -> dict[str, Any]:
    running = c["stopped_at"] is None
    return {
        "stage": c["stage"],
        "started_at": c["started_at"],
        "due_at": c["due_at"],
        "at_risk_at": c["at_risk_at"],
        "stopped_at": c["stopped_at"],
        # running: on_time | at_risk | overdue; stopped: its outcome (on_time | late | void)
        "status": stage_status(due=c["due_at"], at_risk_at=c["at_risk_at"], now=now) if running else c["outcome"],
        "outcome": c["outcome"],
        "late_seconds": c["late_seconds"],
        "policy_version": c["policy_version"],
        "urgent": c["urgent"],
        "at_risk_flagged_at": c["at_risk_flagged_at"],
        "overdue_flagged_at": c["overdue_flagged_at"],
    }
