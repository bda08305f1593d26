"""States, actions, who may act, and where each action leads.

`decide` is the one place that answers "may this actor do this action to a report in this state,
and what state follows". The role is checked before the state: a wrong role is refused whatever
the state (403); a right role in a wrong state is refused as a conflict (409).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    received = "received"
    assigned = "assigned"
    returned = "returned"
    in_progress = "in_progress"
    resolved = "resolved"
    published = "published"
    closed = "closed"
    rejected = "rejected"
    merged = "merged"


TERMINAL_STATES = frozenset({Status.closed, Status.rejected, Status.merged})
OPEN_STATES = frozenset(Status) - TERMINAL_STATES
ALL_STATES = frozenset(Status)


class Role(StrEnum):
    anonymous = "anonymous"
    citizen = "citizen"
    dispatcher = "dispatcher"
    handler = "handler"
    agency_leader = "agency_leader"
    supervisor = "supervisor"
    admin = "admin"
    system = "system"


STAFF_ROLES = frozenset({Role.dispatcher, Role.handler, Role.agency_leader, Role.supervisor, Role.admin})


@dataclass(frozen=True)
class Actor:
    """Who acts, and how they relate to this report (the relation is computed by the caller)."""

    role: Role
    user_id: int | None = None
    username: str | None = None
    of_assigned_agency: bool = False  # a handler/leader of the agency the report is assigned to
    is_reporter: bool = False  # the signed-in reporter, or the holder of the tracking token


# Who may act: a role, optionally with a relation to the report.
DISPATCHER = "dispatcher"
AGENCY = "agency"  # handler or agency leader of the assigned agency
LEADER = "leader"  # agency leader of the assigned agency
REPORTER = "reporter"
STAFF = "staff"  # dispatcher, or anyone of the assigned agency
SYSTEM = "system"
ANYONE = "anyone"


@dataclass(frozen=True)
class Action:
    name: str
    sources: frozenset[Status] | None  # None: no report yet (submit)
    target: Status | None  # None: the state does not change
    who: frozenset[str]


def _a(name: str, sources: Iterable[Status] | None, target: Status | None, *who: str) -> Action:
    return Action(name, None if sources is None else frozenset(sources), target, frozenset(who))


_S = Status
ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        _a("submit", None, _S.received, ANYONE),
        _a("assign", {_S.received, _S.returned}, _S.assigned, DISPATCHER),
        _a("reject", {_S.received, _S.returned}, _S.rejected, DISPATCHER),
        _a("merge", {_S.received, _S.returned}, _S.merged, DISPATCHER),
        _a("return", {_S.assigned}, _S.returned, AGENCY),
        _a("respond", {_S.assigned}, _S.in_progress, AGENCY),
        _a("resolve", {_S.assigned, _S.in_progress}, _S.resolved, AGENCY),
        _a("rework", {_S.resolved}, _S.in_progress, DISPATCHER),
        _a("publish", {_S.resolved}, _S.published, DISPATCHER),
        _a("rate", {_S.published}, None, REPORTER),
        _a("reopen", {_S.published}, _S.assigned, DISPATCHER),
        _a("close", {_S.published}, _S.closed, DISPATCHER, SYSTEM),
        _a("flag_urgent", OPEN_STATES, None, DISPATCHER),
        _a("unflag_urgent", OPEN_STATES, None, DISPATCHER),
        _a("log_contact", OPEN_STATES, None, DISPATCHER),
        _a("delegate", {_S.assigned, _S.in_progress}, None, LEADER),
        _a("comment", ALL_STATES, None, STAFF, REPORTER),
        # The public view (reports/visibility.py): reviewed before the result, and edited by the Portal.
        _a("make_public", {_S.received, _S.assigned, _S.in_progress}, None, DISPATCHER),
        _a("redact", ALL_STATES - {_S.merged}, None, DISPATCHER),
        # A report filed under the wrong subject area moves to another; its SLA clocks run on (issue 14).
        _a("reclassify", {_S.received, _S.returned, _S.assigned, _S.in_progress}, None, DISPATCHER),
    ]
}


class ForbiddenAction(Exception):
    """The actor may not take this action on this report, whatever its state (HTTP 403)."""


class InvalidState(Exception):
    """The actor may take this action, but not while the report is in this state (HTTP 409)."""


def allowed(action: Action, actor: Actor) -> bool:
    for who in action.who:
        if who == ANYONE:
            return True
        if who == SYSTEM and actor.role == Role.system:
            return True
        if who == DISPATCHER and actor.role == Role.dispatcher:
            return True
        if who == AGENCY and actor.of_assigned_agency and actor.role in (Role.handler, Role.agency_leader):
            return True
        if who == LEADER and actor.of_assigned_agency and actor.role == Role.agency_leader:
            return True
        if who == REPORTER and actor.is_reporter:
            return True
        if who == STAFF and (
            actor.role == Role.dispatcher
            or (actor.of_assigned_agency and actor.role in (Role.handler, Role.agency_leader))
        ):
            return True
    return False


def decide(action_name: str, status: Status | None, actor: Actor) -> Status:
    """The state after `action_name`, or ForbiddenAction / InvalidState. KeyError for an unknown action."""
    action = ACTIONS[action_name]
    if not allowed(action, actor):
        raise ForbiddenAction(action_name)
    if action.sources is not None and status not in action.sources:
        raise InvalidState(action_name)
    if action.target is None:
        assert status is not None
        return status
    return action.target
