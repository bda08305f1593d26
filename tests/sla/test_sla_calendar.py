from datetime import date, time

import pytest

from phananh.sla import CalendarDay, WorkingCalendar, seed_days

from .support import local

# What holidays 0.109 says for Vietnam (checked by hand against the government notices).
DAYS_OFF_2026 = [
    ("2026-01-01", "Tết Dương lịch"),
    ("2026-02-16", "Giao thừa Tết Nguyên Đán"),
    ("2026-02-17", "Tết Nguyên Đán"),
    ("2026-02-18", "Mùng hai Tết Nguyên Đán"),
    ("2026-02-19", "Mùng ba Tết Nguyên Đán"),
    ("2026-02-20", "Mùng bốn Tết Nguyên Đán"),
    ("2026-04-26", "Ngày Giỗ Tổ Hùng Vương"),
    ("2026-04-27", "Ngày Giỗ Tổ Hùng Vương (nghỉ bù)"),
    ("2026-04-30", "Ngày Chiến thắng"),
    ("2026-05-01", "Ngày Quốc tế Lao động"),
    ("2026-08-31", "Ngày nghỉ (thay cho ngày 22/08/2026)"),
    ("2026-09-01", "Quốc khánh"),
    ("2026-09-02", "Quốc khánh"),
    ("2026-11-24", "Ngày Văn hóa Việt Nam"),
]
DAYS_OFF_2027 = [
    ("2027-01-01", "Tết Dương lịch"),
    ("2027-02-04", "29 Tết"),
    ("2027-02-05", "Giao thừa Tết Nguyên Đán"),
    ("2027-02-06", "Tết Nguyên Đán"),
    ("2027-02-07", "Mùng hai Tết Nguyên Đán"),
    ("2027-02-08", "Mùng ba Tết Nguyên Đán"),
    ("2027-02-09", "Mùng bốn Tết Nguyên Đán"),
    ("2027-02-10", "Mùng năm Tết Nguyên Đán"),
    ("2027-04-16", "Ngày Giỗ Tổ Hùng Vương"),
    ("2027-04-30", "Ngày Chiến thắng"),
    ("2027-05-01", "Ngày Quốc tế Lao động"),
    ("2027-05-03", "Ngày Quốc tế Lao động (nghỉ bù)"),
    ("2027-09-02", "Quốc khánh"),
    ("2027-09-03", "Quốc khánh"),
    ("2027-11-24", "Ngày Văn hóa Việt Nam"),
]


def _iso(pairs):
    return [(d.isoformat(), name) for d, name in pairs]


@pytest.mark.parametrize("year, expected", [(2026, DAYS_OFF_2026), (2027, DAYS_OFF_2027)])
def test_days_off_are_the_library_holidays_with_vietnamese_names(calendar, year, expected):
    assert _iso(calendar.days_off(year)) == expected


def test_seed_2026_has_the_make_up_saturday_and_its_substitute_monday():
    by_day = {row.day: row for row in seed_days(2026)}
    assert by_day[date(2026, 8, 22)].kind == "working_day"
    assert by_day[date(2026, 8, 22)].name == "Ngày làm việc bù (cho ngày nghỉ 31/08/2026)"
    assert by_day[date(2026, 8, 31)].kind == "day_off"
    assert {row.source for row in by_day.values()} == {"holidays"}


def test_seed_2027_has_no_make_up_working_day():
    assert [row for row in seed_days(2027) if row.kind == "working_day"] == []


def test_seed_keeps_a_substitute_pair_that_straddles_new_year():
    # 31/12/2018 off, made up on Saturday 05/01/2019: each row lands in its own year.
    assert date(2018, 12, 31) in {row.day for row in seed_days(2018) if row.kind == "day_off"}
    assert [row.day for row in seed_days(2019) if row.kind == "working_day"] == [
        date(2019, 1, 5),
        date(2019, 5, 4),
    ]


@pytest.mark.parametrize(
    "day, working",
    [
        ("2026-08-21", True),  # Friday
        ("2026-08-22", True),  # make-up Saturday
        ("2026-08-23", False),  # Sunday
        ("2026-08-31", False),  # substitute Monday
        ("2026-09-01", False),
        ("2026-09-02", False),
        ("2026-09-03", True),
        ("2027-02-03", True),  # last working day before Tết 2027
        *[(f"2027-02-{d:02d}", False) for d in range(4, 11)],  # the whole Tết 2027 break
        ("2027-02-11", True),
        ("2027-05-03", False),  # 1/5/2027 is a Saturday: off on Monday
    ],
)
def test_is_working_day(calendar, day, working):
    assert calendar.is_working_day(date.fromisoformat(day)) is working


def test_office_intervals_default_and_day_off(calendar):
    assert calendar.office_intervals(date(2026, 12, 2)) == [
        (local("2026-12-02 07:00"), local("2026-12-02 11:00")),
        (local("2026-12-02 13:00"), local("2026-12-02 17:00")),
    ]
    assert calendar.office_intervals(date(2026, 12, 5)) == []  # Saturday
    assert calendar.office_intervals(date(2026, 9, 2)) == []  # Quốc khánh


def test_make_up_saturday_uses_monday_office_hours():
    hours = {0: [(time(7, 30), time(11, 30))], 1: [(time(8), time(12))]}
    cal = WorkingCalendar([CalendarDay(date(2026, 12, 5), "working_day", "Làm bù")], hours)
    assert cal.office_intervals(date(2026, 12, 5)) == [
        (local("2026-12-05 07:30"), local("2026-12-05 11:30"))
    ]


def test_admin_row_wins_over_a_seeded_row_on_the_same_date():
    seeded = CalendarDay(date(2026, 11, 24), "day_off", "Ngày Văn hóa Việt Nam", "holidays")
    admin = CalendarDay(date(2026, 11, 24), "working_day", "Đi làm theo quyết định", "admin")
    for rows in ([seeded, admin], [admin, seeded]):
        assert WorkingCalendar(rows).is_working_day(date(2026, 11, 24))


def test_admin_removing_a_holiday_makes_it_a_working_day():
    rows = [row for row in seed_days(2026) if row.day != date(2026, 11, 24)]
    cal = WorkingCalendar(rows)
    assert cal.is_working_day(date(2026, 11, 24))
    assert date(2026, 11, 24) not in dict(cal.days_off(2026))
