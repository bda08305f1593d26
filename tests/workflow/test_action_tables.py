"""Every table keyed by actions agrees with the one vocabulary (`workflow.Action`, plus `SystemEvent`).

A new action added to the enum, or to one table and not the others, fails here until every table has decided
what the action means for it.
"""

from phananh.notifications import flows as notifications
from phananh.open311 import present as open311_present
from phananh.privacy import service as privacy
from phananh.reports import present
from phananh.reports import service as reports_service
from phananh.reports.schemas import ACTION_BODIES
from phananh.sla.service import CLOCK_RULES
from phananh.web import labels
from phananh.workflow import ACTIONS, EVENT_KINDS, Action, SystemEvent

EVERY_ACTION = set(Action)
# Actions a person takes on an existing report: all but submit, which creates it.
ON_A_REPORT = EVERY_ACTION - {Action.submit}


def test_the_workflow_rules_cover_every_action():
    assert set(ACTIONS) == EVERY_ACTION
    assert all(rule.name is action for action, rule in ACTIONS.items())


def test_every_action_on_a_report_has_a_body_and_an_effect():
    assert set(ACTION_BODIES) == ON_A_REPORT
    assert set(reports_service._EFFECTS) == ON_A_REPORT


def test_every_action_has_its_clock_rule_and_its_notification_entry():
    assert set(CLOCK_RULES) == EVERY_ACTION
    assert set(notifications._BY_ACTION) == EVERY_ACTION
    # a submit notifies nobody: it is planned in one batch with the report (reports.service.submit_report)
    assert not notifications.reacts_to(Action.submit)


def test_every_event_kind_has_a_label():
    assert set(labels.ACTION) == EVENT_KINDS == EVERY_ACTION | set(SystemEvent)


def test_system_events_are_no_workflow_action():
    assert not set(SystemEvent) & EVERY_ACTION
    assert privacy.ERASE_ACTION in set(SystemEvent)
    for table in (ACTIONS, ACTION_BODIES, reports_service._EFFECTS, CLOCK_RULES):
        assert not set(table) & set(SystemEvent)


# The public views list only what the public may read; an action left out is internal. Each action is one or the
# other, so a new action must be decided here.
INTERNAL_PAYLOAD = {Action.return_, Action.rework, Action.flag_urgent, Action.unflag_urgent, Action.log_contact,
                    Action.delegate, Action.redact}
NOT_IN_OPEN311 = {Action.return_, Action.rework, Action.flag_urgent, Action.unflag_urgent, Action.log_contact,
                  Action.delegate, Action.redact, Action.reclassify}


def test_the_public_views_decide_every_action():
    assert set(present.PUBLIC_PAYLOAD_KEYS) | INTERNAL_PAYLOAD == EVERY_ACTION
    assert not set(present.PUBLIC_PAYLOAD_KEYS) & INTERNAL_PAYLOAD
    assert set(open311_present.SUMMARY) | NOT_IN_OPEN311 == EVERY_ACTION
    assert not set(open311_present.SUMMARY) & NOT_IN_OPEN311
