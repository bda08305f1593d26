"""A submit's counter writes are planned by a path of their own (the hot path): the same steps, rows and row order
as the general `writes` gives for a report in no cell yet."""

from datetime import datetime, timezone

import pytest

from phananh.batch import Ref
from phananh.stats import flows
from phananh.stats.tables import SHARDS

_REPORT = {"id": Ref("report"), "created_at": datetime(2026, 3, 1, 17, 30, tzinfo=timezone.utc), "category_id": 3,
           "area_id": None, "agency_id": None, "status": "received", "urgent": False, "contacted_at": None,
           "rating": None}


@pytest.mark.parametrize("changes", [
    {},
    {"area_id": 7, "urgent": True},  # the urgent marginal too
    {"agency_id": 2, "rating": 4, "contacted_at": datetime(2026, 3, 1, 18, tzinfo=timezone.utc)},  # a rating cell
])
@pytest.mark.parametrize("action", ["submit", "log_contact"])
def test_a_new_reports_counter_writes_are_those_of_the_general_path(changes, action):
    report = {**_REPORT, **changes}
    event = {"action": action, "at": report["created_at"], "agency_id": None}
    fast = flows.new_report_writes(event=event, report=report, report_id=Ref("report"))
    general = flows.writes(event=event, report=report, before=None, stopped=[], shard=Ref("report", mod=SHARDS),
                           report_id=Ref("report"))
    assert [(s.table.name, s.rows, s.mode, s.conflict, s.sums) for s in fast] == \
        [(s.table.name, s.rows, s.mode, s.conflict, s.sums) for s in general]
    assert {s.table.name for s in fast} >= {"stats_reports", "stats_daily", "stats_report_facts"}
    assert ("stats_ratings" in {s.table.name for s in fast}) == bool(changes.get("rating"))
