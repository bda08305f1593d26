"""Hand-computed deadlines (local time). Wed 2026-12-02 is an ordinary working day."""

from dataclasses import replace
from datetime import date, timedelta, timezone

import pytest

from phananh.sla import (
    TZ,
    CalendarDay,
    WorkingCalendar,
    at_risk_at,
    deadline,
    elapsed,
    lateness,
    seed_days,
    stage_status,
)

from .support import DAY_TYPE, OFFICE_HOURS, local


def _due(start, stage, policy, calendar, urgent=False):
    due = deadline(local(start), stage, policy, calendar, urgent=urgent)
    assert due.utcoffset() == timedelta(0)  # stored in UTC
    return due.astimezone(TZ).strftime("%Y-%m-%d %H:%M")


DAY_TYPE_CASES = [
    # stage, start, due, why
    ("distribute", "2026-12-02 09:15", "2026-12-02 11:15", "working day: 2 h"),
    ("distribute", "2026-12-04 23:30", "2026-12-05 01:30", "Friday late at night is a working day"),
    ("distribute", "2026-12-05 09:15", "2026-12-05 21:15", "Saturday: 12 h"),
    ("return", "2026-12-02 09:15", "2026-12-02 10:15", "working day: 1 h"),
    ("return", "2026-12-06 22:00", "2026-12-07 10:00", "Sunday start, due on Monday"),
    ("respond", "2026-12-02 23:59", "2026-12-03 03:59", "working day late at night: 4 h"),
    ("respond", "2026-12-05 09:15", "2026-12-06 09:15", "Saturday: 24 h"),
    ("publish", "2026-12-02 12:00", "2026-12-02 14:00", "lunch break counts in day_type"),
    ("publish", "2026-12-06 20:00", "2026-12-07 08:00", "day off start, due on a working day"),
    # Tết 2027: Thu 4 Feb .. Wed 10 Feb off
    ("distribute", "2027-02-03 23:00", "2027-02-04 01:00", "last working day before Tết"),
    ("distribute", "2027-02-04 09:00", "2027-02-04 21:00", "29 Tết is a weekday off"),
    ("respond", "2027-02-10 09:00", "2027-02-11 09:00", "Mùng năm: still off"),
    ("respond", "2027-02-11 09:00", "2027-02-11 13:00", "back at work"),
    # 30/4 - 1/5
    ("distribute", "2026-04-30 10:00", "2026-04-30 22:00", "30/4/2026 is a Thursday off"),
    ("respond", "2027-05-03 08:00", "2027-05-04 08:00", "Monday 3/5/2027 substitutes Saturday 1/5"),
    # Quốc khánh
    ("distribute", "2026-08-22 10:00", "2026-08-22 12:00", "make-up Saturday is a working day"),
    ("distribute", "2026-08-31 10:00", "2026-08-31 22:00", "its substitute Monday is off"),
    ("return", "2026-09-01 10:00", "2026-09-01 22:00", "1/9/2026 off"),
    ("return", "2027-09-03 10:00", "2027-09-03 22:00", "3/9/2027 off"),
]


@pytest.mark.parametrize("stage, start, due, why", DAY_TYPE_CASES)
def test_day_type_deadline(calendar, stage, start, due, why):
    assert _due(start, stage, DAY_TYPE, calendar) == due, why


OFFICE_HOURS_CASES = [
    ("distribute", "2026-12-04 16:30", "2026-12-07 08:30", "Friday 16:30 rolls to Monday"),
    ("distribute", "2026-12-02 11:30", "2026-12-02 15:00", "lunch-break start counts from 13:00"),
    ("distribute", "2026-12-02 12:00", "2026-12-02 15:00", "lunch-break start"),
    ("distribute", "2026-12-02 06:30", "2026-12-02 09:00", "before opening"),
    ("distribute", "2026-12-02 20:00", "2026-12-03 08:00", "after closing: 12 h clock"),
    ("distribute", "2026-12-02 17:00", "2026-12-03 05:00", "exactly at closing: 12 h clock"),
    ("distribute", "2026-12-02 16:59", "2026-12-03 08:59", "a minute before closing"),
    ("distribute", "2026-12-02 15:00", "2026-12-02 17:00", "ends exactly at closing"),
    ("distribute", "2026-12-06 20:00", "2026-12-07 08:00", "day off start: 12 h clock"),
    ("return", "2026-12-02 10:30", "2026-12-02 13:30", "across lunch"),
    ("return", "2026-12-04 16:45", "2026-12-07 07:45", "across the weekend"),
    ("respond", "2026-12-02 09:15", "2026-12-02 15:15", "4 h of office time"),
    ("respond", "2026-12-31 14:00", "2027-01-04 08:00", "1/1/2027 and the weekend skipped"),
    ("publish", "2026-12-02 16:00", "2026-12-03 08:00", "overnight"),
    # Tết 2027
    ("respond", "2027-02-03 16:00", "2027-02-11 10:00", "1 h before Tết, 3 h after it"),
    ("distribute", "2027-02-08 09:00", "2027-02-08 21:00", "inside Tết: 12 h clock"),
    # 30/4 - 1/5
    ("respond", "2026-04-29 16:00", "2026-05-04 10:00", "Thu 30/4, Fri 1/5 and weekend skipped"),
    ("distribute", "2027-04-29 16:30", "2027-05-04 08:30", "Fri 30/4, weekend, Mon 3/5 skipped"),
    # Quốc khánh 2026: Mon 31/8 (substitute), Tue 1/9, Wed 2/9
    ("distribute", "2026-08-28 16:00", "2026-09-03 08:00", "five days off in a row"),
    ("distribute", "2026-08-22 10:00", "2026-08-22 14:00", "make-up Saturday has office hours"),
    ("distribute", "2027-09-01 16:00", "2027-09-06 08:00", "Thu 2/9, Fri 3/9, weekend skipped"),
]


@pytest.mark.parametrize("stage, start, due, why", OFFICE_HOURS_CASES)
def test_office_hours_deadline(calendar, stage, start, due, why):
    assert _due(start, stage, OFFICE_HOURS, calendar) == due, why


@pytest.mark.parametrize(
    "policy, start, due",
    [
        (DAY_TYPE, "2026-12-02 09:15", "2026-12-02 10:15"),
        (DAY_TYPE, "2026-12-05 09:15", "2026-12-05 11:15"),
        (OFFICE_HOURS, "2026-12-02 10:30", "2026-12-02 13:30"),
        (OFFICE_HOURS, "2026-12-05 09:15", "2026-12-05 11:15"),
    ],
)
def test_urgent_distribute_uses_the_shorter_limits(calendar, policy, start, due):
    assert _due(start, "distribute", policy, calendar, urgent=True) == due


def test_make_up_saturday_added_by_an_admin_changes_the_limit():
    rows = seed_days(2026)
    before = WorkingCalendar(rows)
    after = WorkingCalendar([*rows, CalendarDay(date(2026, 12, 5), "working_day", "Làm bù")])
    assert _due("2026-12-05 09:15", "distribute", DAY_TYPE, before) == "2026-12-05 21:15"
    assert _due("2026-12-05 09:15", "distribute", DAY_TYPE, after) == "2026-12-05 11:15"
    assert _due("2026-12-04 16:30", "distribute", OFFICE_HOURS, after) == "2026-12-05 08:30"


def test_holiday_removed_by_an_admin_becomes_a_working_day():
    rows = seed_days(2026)
    without = WorkingCalendar([r for r in rows if r.day != date(2026, 11, 24)])
    assert _due("2026-11-24 09:15", "distribute", DAY_TYPE, WorkingCalendar(rows)) == "2026-11-24 21:15"
    assert _due("2026-11-24 09:15", "distribute", DAY_TYPE, without) == "2026-11-24 11:15"
    assert _due("2026-11-23 16:30", "distribute", OFFICE_HOURS, without) == "2026-11-24 08:30"


def test_day_off_added_by_an_admin_stretches_office_time(calendar):
    extra = WorkingCalendar([CalendarDay(date(2026, 12, 7), "day_off", "Nghỉ thêm")])
    assert _due("2026-12-04 16:30", "distribute", OFFICE_HOURS, extra) == "2026-12-08 08:30"


def test_start_in_another_time_zone_is_read_in_local_time(calendar):
    # Friday 16:30 UTC is Friday 23:30 in Vietnam: a working-day start.
    start = local("2026-12-04 23:30").astimezone(timezone.utc)
    assert deadline(start, "distribute", DAY_TYPE, calendar) == local("2026-12-05 01:30")


def test_naive_start_is_refused(calendar):
    with pytest.raises(ValueError, match="naive"):
        deadline(local("2026-12-02 09:15").replace(tzinfo=None), "distribute", DAY_TYPE, calendar)


@pytest.mark.parametrize(
    "policy, a, b, expected_minutes",
    [
        (DAY_TYPE, "2026-12-02 09:15", "2026-12-02 13:15", 240),
        (OFFICE_HOURS, "2026-12-02 09:15", "2026-12-02 13:15", 120),
        (OFFICE_HOURS, "2026-12-04 16:30", "2026-12-07 08:30", 120),
        (OFFICE_HOURS, "2026-12-02 20:00", "2026-12-03 08:00", 720),  # after closing: clock time
        (OFFICE_HOURS, "2026-12-02 13:00", "2026-12-02 09:00", 0),  # b before a
    ],
)
def test_elapsed(calendar, policy, a, b, expected_minutes):
    assert elapsed(local(a), local(b), policy, calendar) == timedelta(minutes=expected_minutes)


def test_at_risk_day_type(calendar):
    start = local("2026-12-02 09:15")
    due = deadline(start, "distribute", DAY_TYPE, calendar)
    assert at_risk_at(start, due, DAY_TYPE, calendar) == local("2026-12-02 10:45")


def test_at_risk_office_hours_waits_for_the_next_opening(calendar):
    # 1.5 h of 2 h used at 17:00 sharp: exactly 25% is left all night, so not at risk yet.
    start = local("2026-12-02 15:30")
    due = deadline(start, "distribute", OFFICE_HOURS, calendar)
    risk = at_risk_at(start, due, OFFICE_HOURS, calendar)
    assert (due, risk) == (local("2026-12-03 07:30"), local("2026-12-03 07:00"))

    def status(now, stopped=None):
        return stage_status(due=due, at_risk_at=risk, now=local(now), stopped_at=stopped and local(stopped))

    assert status("2026-12-02 17:01") == "on_time"
    assert status("2026-12-03 07:00") == "on_time"
    assert status("2026-12-03 07:01") == "at_risk"
    assert status("2026-12-03 07:30") == "at_risk"
    assert status("2026-12-03 07:31") == "overdue"
    assert status("2026-12-03 09:00", stopped="2026-12-03 07:30") == "met"
    assert status("2026-12-03 09:00", stopped="2026-12-03 07:45") == "late"


def test_lateness():
    due = local("2026-12-02 11:15")
    assert lateness(due, local("2026-12-02 11:40")) == timedelta(minutes=25)
    assert lateness(due, local("2026-12-02 11:00")) == timedelta(0)


def test_at_risk_fraction_is_policy_data(calendar):
    policy = replace(DAY_TYPE, at_risk_fraction=0.5)
    start = local("2026-12-02 09:00")
    due = deadline(start, "respond", policy, calendar)
    assert at_risk_at(start, due, policy, calendar) == local("2026-12-02 11:00")
