from dataclasses import replace
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phananh.sla import TZ, SlaPolicy, Stage, WorkingCalendar, at_risk_at, deadline, elapsed

from .support import DAY_TYPE, OFFICE_HOURS

CALENDAR = WorkingCalendar.default_for_years(range(2025, 2029))
FAST = settings(max_examples=300, deadline=None)

starts = st.datetimes(
    min_value=datetime(2026, 1, 1),
    max_value=datetime(2027, 12, 31, 23, 59),
    timezones=st.sampled_from([TZ, timezone.utc, ZoneInfo("Europe/Paris")]),
    allow_imaginary=False,
)
stages = st.sampled_from(list(Stage))
minutes = st.integers(min_value=1, max_value=72 * 60).map(lambda m: timedelta(minutes=m))
limit_pairs = st.tuples(minutes, minutes)
policies = st.builds(
    lambda mode, pairs, fraction: SlaPolicy(
        version=2, mode=mode, limits=dict(zip(Stage, pairs)), at_risk_fraction=fraction
    ),
    st.sampled_from(["day_type", "office_hours"]),
    st.lists(limit_pairs, min_size=4, max_size=4),
    st.sampled_from([0.0, 0.25, 0.5]),
)


def _starts_in_office_day(start: datetime) -> bool:
    intervals = CALENDAR.office_intervals(start.astimezone(TZ).date())
    return bool(intervals) and start < intervals[-1][1]


def _office_time(a: datetime, b: datetime) -> timedelta:
    """Independent oracle: minutes of overlap with every office interval between a and b."""
    total, day = timedelta(0), a.astimezone(TZ).date()
    while day <= b.astimezone(TZ).date():
        for opens, closes in CALENDAR.office_intervals(day):
            total += max(timedelta(0), min(closes, b) - max(opens, a))
        day += timedelta(days=1)
    return total


def _expected_limit(start, stage, policy, urgent=False):
    if policy.mode == "office_hours":
        working = _starts_in_office_day(start)
    else:
        working = CALENDAR.is_working_day(start.astimezone(TZ).date())
    return policy.limit(stage, working_day=working, urgent=urgent)


@FAST
@given(start=starts, stage=stages, policy=policies, urgent=st.booleans())
def test_deadline_is_never_before_start(start, stage, policy, urgent):
    assert deadline(start, stage, policy, CALENDAR, urgent=urgent) > start


@FAST
@given(start=starts, stage=stages, urgent=st.booleans())
def test_day_type_deadline_is_exactly_the_limit_later(start, stage, urgent):
    due = deadline(start, stage, DAY_TYPE, CALENDAR, urgent=urgent)
    assert due - start == _expected_limit(start, stage, DAY_TYPE, urgent)


@FAST
@given(start=starts, stage=stages, policy=policies.map(lambda p: replace(p, mode="office_hours")))
def test_office_time_to_deadline_equals_the_limit_inside_the_office_day(start, stage, policy):
    due = deadline(start, stage, policy, CALENDAR)
    if _starts_in_office_day(start):
        assert _office_time(start, due) == policy.limit(stage, working_day=True)
        assert any(o < due <= c for o, c in CALENDAR.office_intervals(due.astimezone(TZ).date()))
    else:
        assert due - start == policy.limit(stage, working_day=False)


@FAST
@given(start=starts, stage=stages, policy=policies)
def test_elapsed_from_start_to_deadline_is_the_limit(start, stage, policy):
    due = deadline(start, stage, policy, CALENDAR)
    assert elapsed(start, due, policy, CALENDAR) == _expected_limit(start, stage, policy)


@FAST
@given(start=starts, stage=stages, policy=policies)
def test_at_risk_leaves_the_fraction_of_the_allowance(start, stage, policy):
    due = deadline(start, stage, policy, CALENDAR)
    risk = at_risk_at(start, due, policy, CALENDAR)
    limit = _expected_limit(start, stage, policy)
    assert start <= risk
    assert elapsed(start, risk, policy, CALENDAR) == limit - limit * policy.at_risk_fraction


@FAST
@given(start=starts, stage=stages)
def test_both_modes_agree_outside_office_days(start, stage):
    if not CALENDAR.is_working_day(start.astimezone(TZ).date()):
        assert deadline(start, stage, DAY_TYPE, CALENDAR) == deadline(start, stage, OFFICE_HOURS, CALENDAR)


@settings(max_examples=50, deadline=None)
@given(start=starts, stage=stages, policy=policies)
def test_naive_datetimes_are_refused(start, stage, policy):
    naive = start.replace(tzinfo=None)
    with pytest.raises(ValueError, match="naive"):
        deadline(naive, stage, policy, CALENDAR)
    with pytest.raises(ValueError, match="naive"):
        elapsed(naive, start, policy, CALENDAR)
    with pytest.raises(ValueError, match="naive"):
        elapsed(start, naive, policy, CALENDAR)
