from datetime import date, timedelta

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roundtable.workdays import services as workdays
from roundtable.workdays.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db


def test_calendar_is_seeded_from_the_package_for_every_year_it_covers():
    assert CalendarYear.objects.filter(published=True, year=2026).exists()
    for day in (date(2026, 10, 1), date(2026, 2, 17), date(2025, 1, 28)):
        assert chinese_calendar.is_holiday(day)
        assert not workdays.is_working_day(day)


def test_national_day_2026_and_its_make_up_days_follow_the_package():
    # Assert against the package, not hard-coded lore: if a release corrects the data, the
    # calendar follows it after seed_calendar --overwrite.
    for offset in range(1, 8):
        day = date(2026, 10, offset)
        assert workdays.is_working_day(day) == chinese_calendar.is_workday(day)
        assert not workdays.is_working_day(day)
    assert workdays.is_working_day(date(2026, 9, 20))  # Sunday, make-up working day
    assert workdays.is_working_day(date(2026, 10, 10))  # Saturday, make-up working day


def test_three_working_days_from_29_september_2026_is_9_october():
    assert workdays.add_working_days(date(2026, 9, 29), 3) == date(2026, 10, 9)


def test_counting_back_over_the_holiday_is_symmetric():
    assert workdays.add_working_days(date(2026, 10, 9), -3) == date(2026, 9, 29)
    assert workdays.working_days_between(date(2026, 9, 29), date(2026, 10, 9)) == 3
    assert workdays.working_days_between(date(2026, 10, 9), date(2026, 9, 29)) == -3


def test_a_make_up_saturday_counts():
    # Fri 9 Oct → Sat 10 Oct (make-up working day) is the next working day.
    assert workdays.add_working_days(date(2026, 10, 9), 1) == date(2026, 10, 10)


def test_zero_working_days_from_a_holiday_is_the_next_working_day():
    assert workdays.next_working_day(date(2026, 10, 3)) == date(2026, 10, 8)
    assert workdays.next_working_day(date(2026, 10, 8)) == date(2026, 10, 8)


def test_a_full_year_of_2026_has_the_official_count_of_working_days():
    days = [date(2026, 1, 1).fromordinal(date(2026, 1, 1).toordinal() + i) for i in range(365)]
    expected = len(chinese_calendar.get_workdays(date(2026, 1, 1), date(2026, 12, 31)))
    assert sum(workdays.is_working_day(d) for d in days) == expected


def test_unpublished_year_counts_weekdays_and_is_provisional():
    assert not CalendarYear.objects.filter(year=2027, published=True).exists()
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 4))  # the package refuses 2027
    assert workdays.is_provisional(date(2027, 1, 4))
    assert not workdays.is_provisional(date(2026, 12, 31))
    # Thu 31 Dec 2026 + 2 working days → Fri 1 Jan 2027, Mon 4 Jan 2027 (weekday rule).
    assert workdays.add_working_days(date(2026, 12, 31), 2) == date(2027, 1, 4)


def test_publishing_a_year_in_the_admin_tables_takes_effect():
    CalendarYear.objects.create(year=2027, published=True, source="State Council notice")
    CalendarDay.objects.create(date=date(2027, 1, 1), kind="off", name="New Year's Day")
    CalendarDay.objects.create(date=date(2027, 1, 2), kind="work", name="New Year's Day")
    workdays.clear_cache()
    assert not workdays.is_provisional(date(2027, 1, 4))
    assert not workdays.is_working_day(date(2027, 1, 1))
    assert workdays.is_working_day(date(2027, 1, 2))  # a Saturday made a working day
    assert workdays.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 2)


def test_29_february_2028_is_handled():
    assert workdays.is_working_day(date(2028, 2, 29))  # a Tuesday, provisional
    assert workdays.add_working_days(date(2028, 2, 28), 1) == date(2028, 2, 29)


def _between_day_by_day(start: date, end: date) -> int:
    """The definition, one day at a time: working days after ``start`` up to ``end``."""
    low, high = sorted((start, end))
    count = sum(
        workdays.is_working_day(date.fromordinal(n))
        for n in range(low.toordinal() + 1, high.toordinal() + 1)
    )
    return count if end >= start else -count


@settings(max_examples=300, deadline=None)
@given(
    start=st.dates(min_value=date(2023, 12, 1), max_value=date(2029, 2, 1)),
    days=st.integers(min_value=-800, max_value=800),
)
def test_working_days_between_counts_as_day_by_day(start, days):
    """Counted from each year's running total, across years, holidays, make-up days, leap
    days and unpublished years alike, both ways."""
    end = start + timedelta(days=days)
    assert workdays.working_days_between(start, end) == _between_day_by_day(start, end)
