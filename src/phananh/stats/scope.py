"""Whose figures a viewer sees, and the filters they asked for, as counter-table dimensions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from phananh.auth.principal import Principal
from phananh.directory.service import Directory
from phananh.domain_errors import Forbidden, InvalidInput, NotSignedIn
from phananh.stats.facts import local_day
from phananh.workflow import Role

DEFAULT_DAYS = 30
MAX_DAYS = 3700
STAFF_VIEWERS = (Role.dispatcher, Role.admin, Role.supervisor, Role.agency_leader, Role.handler)


@dataclass(frozen=True)
class Scope:
    kind: str  # province | agency | area
    agency_ids: frozenset[int] | None = None  # None: any agency (and the Portal)
    area_id: int | None = None
    label: str = "Toàn tỉnh"


@dataclass
class StatsQuery:
    """Counter dimensions to sum over: local dates [day_from, day_to], and equality/membership filters."""

    day_from: date
    day_to: date
    category_id: int | None = None
    area_id: int | None = None
    agency_ids: frozenset[int] | None = None
    echo: dict = field(default_factory=dict)  # the filters as given (codes), for answers and export logs


def scope_of(p: Principal, d: Directory) -> Scope:
    """A supervisor with an agency sees it and its sub-units, with an area that commune; agency staff their agency."""
    if p.role in (Role.dispatcher, Role.admin) or (p.role == Role.supervisor and not p.agency_id and not p.area_id):
        return Scope("province")
    if p.role == Role.supervisor and p.agency_id:
        return Scope("agency", frozenset(d.agency_subtree(p.agency_id)), label=d.agency_by_id[p.agency_id]["name"])
    if p.role == Role.supervisor and p.area_id:  # (one with neither is province-wide, above)
        return Scope("area", area_id=p.area_id, label=d.area_by_id[p.area_id]["name"])
    if p.role in (Role.handler, Role.agency_leader) and p.agency_id:
        return Scope("agency", frozenset({p.agency_id}), label=d.agency_by_id[p.agency_id]["name"])
    if p.role == Role.anonymous:
        raise NotSignedIn("unauthorized", "Sign in to do this.")
    raise Forbidden("forbidden", "Your role may not do this.")


# Statistics periods: a report system's lifetime, not the calendar's (year 1 to 9999 overflowed the arithmetic).
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)


def build_query(d: Directory, scope: Scope, *, now: datetime, date_from: date | None, date_to: date | None,
                category: str | None = None, area: str | None = None, agency: str | None = None) -> StatsQuery:
    """The scope narrowed by the filters; a filter outside the scope is refused rather than silently emptied."""
    day_to = date_to or local_day(now)
    if not all(FIRST_DAY <= d <= LAST_DAY for d in (day_to, date_from or day_to)):
        # Also keeps the date arithmetic below and the day-to-instant conversions off the calendar's ends.
        raise InvalidInput("invalid_period", "The period is not valid: dates must be between {first} and {last}.",
                           first=FIRST_DAY.isoformat(), last=LAST_DAY.isoformat())
    day_from = date_from or day_to - timedelta(days=DEFAULT_DAYS - 1)
    if day_from > day_to or (day_to - day_from).days > MAX_DAYS:
        raise InvalidInput("invalid_period", "The period is not valid: the start must be before the end.")
    q = StatsQuery(day_from, day_to, area_id=scope.area_id, agency_ids=scope.agency_ids,
                   echo={"from": day_from.isoformat(), "to": day_to.isoformat()})
    if category:
        item = d.categories.get(category)
        if item is None:
            raise InvalidInput("unknown_category", "Unknown category: {code}.", code=category)
        q.category_id = item["id"]
        q.echo["category"] = category
    if area:
        item = d.areas.get(area)
        if item is None:
            raise InvalidInput("unknown_area", "Unknown area: {code}.", code=area)
        if scope.area_id is not None and item["id"] != scope.area_id:
            raise Forbidden("outside_scope", "These figures are outside your scope.")
        q.area_id = item["id"]
        q.echo["area"] = area
    if agency:
        item = d.agencies.get(agency)
        if item is None:
            raise InvalidInput("unknown_agency", "Unknown agency: {code}.", code=agency)
        wanted = frozenset(d.agency_subtree(item["id"]))
        if scope.agency_ids is not None:
            wanted &= scope.agency_ids
            if not wanted:
                raise Forbidden("outside_scope", "These figures are outside your scope.")
        q.agency_ids = wanted
        q.echo["agency"] = agency
    return q
