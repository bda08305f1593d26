"""The one time primitive: every SLA deadline and duration is computed here, nowhere else.

Two counting modes (ARCHITECTURE §4):
- day_type: the limit is picked by the kind of the local date the clock starts on; clock hours.
- office_hours: a clock starting on a working day strictly before its last closing counts the
  working-day limit in office time; any other start (day off, or at/after the last closing)
  gets the day-off limit in clock hours.
All results are aware datetimes in UTC.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Literal

from .calendar import TZ, WorkingCalendar
from .policy import SlaPolicy

UTC = timezone.utc
StageStatus = Literal["on_time", "at_risk", "overdue", "met", "late"]

_HORIZON_DAYS = 3660  # ten years without office time is a configuration error, not a deadline


def deadline(
    start: datetime,
    stage: str,
    policy: SlaPolicy,
    calendar: WorkingCalendar,
    *,
    urgent: bool = False,
) -> datetime:
    """When the `stage` clock started at `start` falls due."""
    start = _utc(start)
    if _counts_office_time(start, policy, calendar):
        limit = policy.limit(stage, working_day=True, urgent=urgent)
        return _add_office_time(start, limit, calendar)
    working = policy.mode == "day_type" and calendar.is_working_day(_local_date(start))
    return start + policy.limit(stage, working_day=working, urgent=urgent)


def elapsed(a: datetime, b: datetime, policy: SlaPolicy, calendar: WorkingCalendar) -> timedelta:
    """SLA time from `a` (a clock start) to `b`, counted as `deadline` counts; zero if b <= a."""
    a, b = _utc(a), _utc(b)
    if b <= a:
        return timedelta(0)
    if _counts_office_time(a, policy, calendar):
        return _office_time_between(a, b, calendar)
    return b - a


def at_risk_at(
    start: datetime, due: datetime, policy: SlaPolicy, calendar: WorkingCalendar
) -> datetime:
    """The last instant with at least `at_risk_fraction` of the allowance left.

    The stage is at risk strictly after it (fewer than 25% left), as it is overdue strictly
    after `due`; store it as a column for the sweep.
    """
    start = _utc(start)
    allowance = elapsed(start, due, policy, calendar)
    used = allowance - allowance * policy.at_risk_fraction
    if _counts_office_time(start, policy, calendar):
        # Reaching `used` at a closing leaves exactly the fraction until the next opening.
        return _add_office_time(start, used, calendar, latest=True)
    return start + used


def stage_status(
    *, due: datetime, at_risk_at: datetime, now: datetime, stopped_at: datetime | None = None
) -> StageStatus:
    """Status of one stage clock from its stored instants."""
    if stopped_at is not None:
        return "late" if _utc(stopped_at) > _utc(due) else "met"
    now = _utc(now)
    if now > _utc(due):
        return "overdue"
    if now > _utc(at_risk_at):
        return "at_risk"
    return "on_time"


def lateness(due: datetime, stopped_at: datetime) -> timedelta:
    """How late a stopped stage was, in wall time; zero when on time."""
    return max(_utc(stopped_at) - _utc(due), timedelta(0))


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment.isoformat()}: SLA times must be timezone-aware")
    return moment.astimezone(UTC)


def _local_date(moment: datetime) -> date:
    return moment.astimezone(TZ).date()


def _office_day(day: date, calendar: WorkingCalendar) -> list[tuple[datetime, datetime]]:
    # Arithmetic in UTC so that a zone offset change could never skew a duration.
    return [(o.astimezone(UTC), c.astimezone(UTC)) for o, c in calendar.office_intervals(day)]


def _counts_office_time(start: datetime, policy: SlaPolicy, calendar: WorkingCalendar) -> bool:
    if policy.mode != "office_hours":
        return False
    intervals = _office_day(_local_date(start), calendar)
    return bool(intervals) and start < intervals[-1][1]


def _add_office_time(
    start: datetime, amount: timedelta, calendar: WorkingCalendar, *, latest: bool = False
) -> datetime:
    """The instant `amount` of office time after `start` (earliest such instant unless `latest`)."""
    day = _local_date(start)
    for _ in range(_HORIZON_DAYS):
        for opens, closes in _office_day(day, calendar):
            begin = max(opens, start)
            if begin >= closes:
                continue
            available = closes - begin
            if amount < available or (amount == available and not latest):
                return begin + amount
            amount -= available
        day += timedelta(days=1)
    raise ValueError(f"no office time within {_HORIZON_DAYS} days of {start.isoformat()}")


def _office_time_between(a: datetime, b: datetime, calendar: WorkingCalendar) -> timedelta:
    total = timedelta(0)
    day, last = _local_date(a), _local_date(b)
    while day <= last:
        for opens, closes in _office_day(day, calendar):
            lo, hi = max(opens, a), min(closes, b)
            if hi > lo:
                total += hi - lo
        day += timedelta(days=1)
    return total
