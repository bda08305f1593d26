"""The pure state machine: no database, no web."""

import pytest

from phananh.workflow import ACTIONS, Actor, ForbiddenAction, InvalidState, Role, Status, decide

dispatcher = Actor(role=Role.dispatcher)
handler_of_agency = Actor(role=Role.handler, of_assigned_agency=True)
handler_elsewhere = Actor(role=Role.handler, of_assigned_agency=False)


def test_agency_cannot_return_after_responding():
    assert decide("return", Status.assigned, handler_of_agency) == Status.returned
    with pytest.raises(InvalidState):
        decide("return", Status.in_progress, handler_of_agency)


def test_role_is_checked_before_state():
    with pytest.raises(ForbiddenAction):
        decide("assign", Status.closed, handler_of_agency)  # wrong role AND wrong state → forbidden
    with pytest.raises(ForbiddenAction):
        decide("respond", Status.assigned, handler_elsewhere)


def test_terminal_states_take_only_comments_and_edits_of_the_public_view():
    for state in (Status.closed, Status.rejected, Status.merged):
        allowed = [a for a in ACTIONS if a != "submit" and _ok(a, state)]
        # A merged report is followed through the one it was merged into: it has no public view to edit.
        assert allowed == (["comment"] if state == Status.merged else ["comment", "redact"]), state


def _ok(action, state) -> bool:
    for actor in (dispatcher, handler_of_agency, Actor(role=Role.agency_leader, of_assigned_agency=True),
                  Actor(role=Role.citizen, is_reporter=True), Actor(role=Role.system)):
        try:
            decide(action, state, actor)
            return True
        except (ForbiddenAction, InvalidState):
            continue
    return False


def test_system_may_close_a_published_report_but_nothing_else():
    system = Actor(role=Role.system)
    assert decide("close", Status.published, system) == Status.closed
    with pytest.raises(ForbiddenAction):
        decide("publish", Status.resolved, system)


def test_supervisor_is_read_only():
    supervisor = Actor(role=Role.supervisor)
    for action in ACTIONS:
        if action == "submit":
            continue
        with pytest.raises(ForbiddenAction):
            decide(action, Status.received, supervisor)
