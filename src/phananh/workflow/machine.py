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


class Action(StrEnum):
    """The action vocabulary: every lifecycle action a report's event can record. Every table keyed by actions
    (rules here, request bodies, effects, clock rules, notifications, labels) is checked against it by
    tests/workflow/test_action_tables.py."""

    submit = "submit"
    assign = "assign"
    reject = "reject"
    merge = "merge"
    return_ = "return"
    respond = "respond"
    resolve = "resolve"
    rework = "rework"
    publish = "publish"
    rate = "rate"
    reopen = "reopen"
    close = "close"
    flag_urgent = "flag_urgent"
    unflag_urgent = "unflag_urgent"
    log_contact = "log_contact"
    delegate = "delegate"
    comment = "comment"
    make_public = "make_public"
    redact = "redact"
    reclassify = "reclassify"


class SystemEvent(StrEnum):
    """Events that are no workflow action: nobody chooses them from a console, `decide` knows nothing of them,
    and they never change the state (from_status = to_status). Written through `reports.service.record_event`,
    so they take the same pipeline (statistics, notifications, live publish) as actions."""

    erase_identity = "erase_identity"  # privacy/: the reporter's identity erased, on request or after retention


# Every value the events table's `action` column can hold.
EVENT_KINDS: frozenset[str] = frozenset(Action) | frozenset(SystemEvent)


@dataclass(frozen=True)
class ActionRule:
    name: Action
    sources: frozenset[Status] | None  # None: no report yet (submit)
    target: Status | None  # None: the state does not change
    who: frozenset[str]


def _a(name: Action, sources: Iterable[Status] | None, target: Status | None, *who: str) -> ActionRule:
    return ActionRule(name, None if sources is None else frozenset(sources), target, frozenset(who))


_S = Status
_A = Action
ACTIONS: dict[Action, ActionRule] = {
    a.name: a
    for a in [
        _a(_A.submit, None, _S.received, ANYONE),
        _a(_A.assign, {_S.received, _S.returned}, _S.assigned, DISPATCHER),
        _a(_A.reject, {_S.received, _S.returned}, _S.rejected, DISPATCHER),
        _a(_A.merge, {_S.received, _S.returned}, _S.merged, DISPATCHER),
        _a(_A.return_, {_S.assigned}, _S.returned, AGENCY),
        _a(_A.respond, {_S.assigned}, _S.in_progress, AGENCY),
        _a(_A.resolve, {_S.assigned, _S.in_progress}, _S.resolved, AGENCY),
        _a(_A.rework, {_S.resolved}, _S.in_progress, DISPATCHER),
        _a(_A.publish, {_S.resolved}, _S.published, DISPATCHER),
        _a(_A.rate, {_S.published}, None, REPORTER),
        _a(_A.reopen, {_S.published}, _S.assigned, DISPATCHER),
        _a(_A.close, {_S.published}, _S.closed, DISPATCHER, SYSTEM),
        _a(_A.flag_urgent, OPEN_STATES, None, DISPATCHER),
        _a(_A.unflag_urgent, OPEN_STATES, None, DISPATCHER),
        _a(_A.log_contact, OPEN_STATES, None, DISPATCHER),
        _a(_A.delegate, {_S.assigned, _S.in_progress}, None, LEADER),
        _a(_A.comment, ALL_STATES, None, STAFF, REPORTER),
        # The public view (reports/visibility.py): reviewed before the result, and edited by the Portal.
        _a(_A.make_public, {_S.received, _S.assigned, _S.in_progress}, None, DISPATCHER),
        _a(_A.redact, ALL_STATES - {_S.merged}, None, DISPATCHER),
        # A report filed under the wrong subject area moves to another; its SLA clocks run on (issue 14).
        _a(_A.reclassify, {_S.received, _S.returned, _S.assigned, _S.in_progress}, None, DISPATCHER),
    ]
}


class ForbiddenAction(Exception):
    """The actor may not take this action on this report, whatever its state (HTTP 403)."""


class InvalidState(Exception):
    """The actor may take this action, but not while the report is in this state (HTTP 409)."""


def allowed(action: ActionRule, actor: Actor) -> bool:
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


def decide(action_name: Action | str, status: Status | None, actor: Actor) -> Status:
    """The state after `action_name`, or ForbiddenAction / InvalidState. KeyError for an unknown action."""
    try:
        action = ACTIONS[Action(action_name)]
    except ValueError:
        raise KeyError(action_name) from None
    if not allowed(action, actor):
        raise ForbiddenAction(action_name)
    if action.sources is not None and status not in action.sources:
        raise InvalidState(action_name)
    if action.target is None:
        assert status is not None
        return status
    return action.target
