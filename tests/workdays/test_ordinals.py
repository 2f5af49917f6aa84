"""The table of working-day ordinals SQL counts with agrees with the Python functions, and an
edit of the calendar rebuilds it."""

from datetime import date, timedelta

import pytest

from roundtable.workdays import services as workdays
from roundtable.workdays.models import CalendarDay, CalendarVersion, WorkdayOrdinal
from roundtable.workdays.table import WorkdayTable

pytestmark = pytest.mark.django_db

START, END = date(2025, 12, 1), date(2026, 10, 31)


def _ordinals(low: date, high: date) -> dict[date, tuple[bool, int]]:
    rows = WorkdayOrdinal.objects.filter(date__gte=low, date__lte=high)
    return {r.date: (r.is_working, r.ordinal) for r in rows}


def test_the_table_counts_as_the_python_functions_do():
    table = _ordinals(START, END)
    assert len(table) == (END - START).days + 1
    day = START
    while day <= END:
        assert table[day][0] == workdays.is_working_day(day), day
        assert table[day][1] - table[START][1] == workdays.working_days_between(START, day)
        day += timedelta(days=1)


def test_the_python_span_table_agrees():
    span = WorkdayTable(START, END)
    for day in (date(2026, 9, 29), date(2026, 10, 1), date(2026, 2, 14), date(2026, 1, 4)):
        for n in (-3, 0, 1, 3, 10):
            assert span.add(day, n) == workdays.add_working_days(day, n)
        assert span.between(START, day) == workdays.working_days_between(START, day)


def test_a_calendar_edit_rebuilds_the_table():
    friday = date(2026, 7, 10)
    before = _ordinals(friday, friday + timedelta(days=3))
    assert before[friday][0]
    CalendarDay.objects.create(date=friday, kind="off", name="Typhoon")
    workdays.calendar_changed()
    after = _ordinals(friday, friday + timedelta(days=3))
    assert not after[friday][0]
    assert after[friday + timedelta(days=3)][1] == before[friday + timedelta(days=3)][1] - 1
    version = CalendarVersion.objects.get(pk=1)
    assert version.ordinals_number == version.number
