"""The working calendar: which dates are working days and when the office is open.

Pure: built from the rows the database holds (seeded from `holidays` + admin overrides).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Literal
from zoneinfo import ZoneInfo

import holidays

TZ = ZoneInfo("Asia/Ho_Chi_Minh")

DayKind = Literal["day_off", "working_day"]
OfficeHours = Mapping[int, Sequence[tuple[time, time]]]

DEFAULT_INTERVALS: tuple[tuple[time, time], ...] = ((time(7), time(11)), (time(13), time(17)))
DEFAULT_OFFICE_HOURS: dict[int, tuple[tuple[time, time], ...]] = {
    weekday: DEFAULT_INTERVALS for weekday in range(5)  # Monday=0 .. Friday=4
}


@dataclass(frozen=True)
class CalendarDay:
    """One declared date: a holiday / substitute day off, or an extra (make-up) working day."""

    day: date
    kind: DayKind
    name: str
    source: str = "admin"  # "holidays" (seeded from the library) or "admin"


def seed_days(year: int) -> list[CalendarDay]:
    """Vietnam's days off and make-up working days for `year`, from the `holidays` library."""
    # Adjacent years too: a substitute pair can straddle New Year (e.g. 31/12/2018 <-> 05/01/2019).
    lib = holidays.country_holidays("VN", years=range(year - 1, year + 2), language="vi")
    days = [CalendarDay(d, "day_off", name, "holidays") for d, name in lib.items() if d.year == year]
    # The library exposes make-up working Saturdays only as the `weekend_workdays` set.
    for workday in sorted(d for d in lib.weekend_workdays if d.year == year):
        days.append(CalendarDay(workday, "working_day", _workday_name(lib, workday), "holidays"))
    return sorted(days, key=lambda d: d.day)


def _workday_name(lib: holidays.HolidayBase, workday: date) -> str:
    # The substitute day off is labelled "Ngày nghỉ (thay cho ngày DD/MM/YYYY)"; name its partner.
    tag = workday.strftime("%d/%m/%Y")
    partner = next((d for d, name in sorted(lib.items()) if tag in name), None)
    if partner is None:
        return "Ngày làm việc bù"
    return f"Ngày làm việc bù (cho ngày nghỉ {partner:%d/%m/%Y})"


class WorkingCalendar:
    """Working days are Monday–Friday, minus declared days off, plus declared working days.

    A declared working day on a weekday without configured office hours (a make-up Saturday)
    is worked with Monday's office hours. When two rows declare the same date, an admin row
    wins over a seeded one (otherwise the later row wins).
    """

    def __init__(self, days: Iterable[CalendarDay] = (), office_hours: OfficeHours | None = None):
        self.office_hours = dict(DEFAULT_OFFICE_HOURS if office_hours is None else office_hours)
        self._declared: dict[date, CalendarDay] = {}
        for row in sorted(days, key=lambda r: r.source == "admin"):  # admin rows applied last
            self._declared[row.day] = row

    @classmethod
    def default_for_years(
        cls, years: Iterable[int], office_hours: OfficeHours | None = None
    ) -> WorkingCalendar:
        return cls([row for year in years for row in seed_days(year)], office_hours)

    def declared(self, d: date) -> CalendarDay | None:
        return self._declared.get(d)

    def is_working_day(self, d: date) -> bool:
        row = self._declared.get(d)
        if row is not None:
            return row.kind == "working_day"
        return d.weekday() < 5

    def office_intervals(self, d: date) -> list[tuple[datetime, datetime]]:
        """Open intervals of date `d` as aware local datetimes, in order; empty on a day off."""
        if not self.is_working_day(d):
            return []
        hours = self.office_hours.get(d.weekday())
        if hours is None:  # a make-up working day on a weekend
            hours = self.office_hours.get(0, DEFAULT_INTERVALS)
        return [
            (datetime.combine(d, opens, tzinfo=TZ), datetime.combine(d, closes, tzinfo=TZ))
            for opens, closes in sorted(hours)
        ]

    def days_off(self, year: int) -> list[tuple[date, str]]:
        """Declared days off of `year` (holidays, substitute days), not plain weekends."""
        return [
            (d, row.name)
            for d, row in sorted(self._declared.items())
            if d.year == year and row.kind == "day_off"
        ]
