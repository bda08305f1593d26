"""Who may see which report, and who may see the reporter's identity (ARCHITECTURE §5)."""

from __future__ import annotations

from sqlalchemy import exists, false, or_, select, true

from phananh.auth.principal import Principal
from phananh.reports.tables import events, reports
from phananh.reports.visibility import public_clause
from phananh.workflow import Role


def visible_clause(p: Principal, agency_subtree: set[int] | None = None):
    """A WHERE clause selecting the reports `p` may read."""
    if p.role in (Role.dispatcher, Role.admin):
        return true()
    if p.role == Role.supervisor:
        if p.agency_id is not None:
            return _assigned_to_any(agency_subtree or {p.agency_id})
        if p.area_id is not None:
            return reports.c.area_id == p.area_id
        return true()
    if p.role in (Role.handler, Role.agency_leader):
        return _assigned_to_any({p.agency_id}) if p.agency_id is not None else false()
    if p.role == Role.citizen:
        return reports.c.reporter_user_id == p.user_id
    return public_clause()


def _assigned_to_any(agency_ids: set[int]):
    """Assigned to one of these agencies now, or at any time before."""
    ever = exists(
        select(events.c.id).where(
            events.c.report_id == reports.c.id, events.c.action == "assign", events.c.agency_id.in_(agency_ids)
        )
    )
    return or_(reports.c.agency_id.in_(agency_ids), ever)


def may_see_identity(p: Principal, report: dict) -> bool:
    if p.role in (Role.dispatcher, Role.admin):
        return True
    if p.role == Role.citizen and report["reporter_user_id"] == p.user_id:
        return True
    if p.role in (Role.handler, Role.agency_leader):
        return bool(report["share_identity_with_agency"]) and report["agency_id"] == p.agency_id
    return False


def is_public_view(p: Principal) -> bool:
    """Whether `p` sees reports as the public does (no internal notes, result only once published)."""
    return not p.is_staff
