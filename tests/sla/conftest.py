import pytest

from phananh.sla import WorkingCalendar


@pytest.fixture(scope="session")
def calendar() -> WorkingCalendar:
    return WorkingCalendar.default_for_years(range(2025, 2029))
