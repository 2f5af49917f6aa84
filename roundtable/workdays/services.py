"""Working days (工作日) by China's official calendar.

Every deadline, reminder and KPI that counts working days calls these functions. The calendar
is the ``CalendarYear``/``CalendarDay`` tables, seeded from the chinese-calendar package by
``manage.py seed_calendar`` and edited by administrators when the next year's arrangement is
published. A year that is not published counts Monday to Friday only, and its dates are
*provisional*: callers show that rather than fail.
"""

import time
from dataclasses import dataclass
from datetime import date, timedelta

from roundtable.workdays.models import CalendarDay, CalendarYear

_CACHE_SECONDS = 60


@dataclass(frozen=True)
class _Year:
    published: bool
    days_off: frozenset[date]
    working_days: frozenset[date]


_cache: dict[int, tuple[float, _Year]] = {}


def clear_cache() -> None:
    """Forget the cached calendar (after an edit; tests call it between cases)."""
    _cache.clear()


def _year(year: int) -> _Year:
    hit = _cache.get(year)
    now = time.monotonic()
    if hit and now - hit[0] < _CACHE_SECONDS:
        return hit[1]
    published = CalendarYear.objects.filter(year=year, published=True).exists()
    off, work = set(), set()
    if published:
        for day, kind in CalendarDay.objects.filter(date__year=year).values_list("date", "kind"):
            (off if kind == CalendarDay.Kind.DAY_OFF else work).add(day)
    data = _Year(published, frozenset(off), frozenset(work))
    _cache[year] = (now, data)
    return data


def is_provisional(day: date) -> bool:
    """True when ``day`` lies in a year whose official arrangement is not yet entered."""
    return not _year(day.year).published


# The State Council publishes the next year's arrangement late in the year: from this month
# on, a next year that is still unpublished is worth a warning (never a failure).
WARN_NEXT_YEAR_FROM_MONTH = 11


def next_year_missing(today: date, *, published: set[int] | None = None) -> bool:
    """True from November on while next year's calendar is not published. ``published``
    (the published years, if the caller has them) saves the query."""
    if today.month < WARN_NEXT_YEAR_FROM_MONTH:
        return False
    if published is not None:
        return today.year + 1 not in published
    return not CalendarYear.objects.filter(year=today.year + 1, published=True).exists()


def is_working_day(day: date) -> bool:
    info = _year(day.year)
    if day in info.days_off:
        return False
    if day in info.working_days:
        return True
    return day.weekday() < 5


def holiday_name(day: date) -> str:
    """The holiday a day off belongs to, or "" (weekends and working days)."""
    if not _year(day.year).published:
        return ""
    row = CalendarDay.objects.filter(date=day, kind=CalendarDay.Kind.DAY_OFF).first()
    return row.name if row else ""


def add_working_days(start: date, n: int) -> date:
    """The ``n``-th working day after ``start`` (before it when ``n`` is negative).

    ``n == 0`` gives ``start`` itself when it is a working day, else the next working day.
    Three working days from Tue 29 Sep 2026 is Fri 9 Oct 2026 (1–7 Oct are off).
    """
    step = 1 if n >= 0 else -1
    remaining = abs(n)
    day = start
    if remaining == 0:
        while not is_working_day(day):
            day += timedelta(days=1)
        return day
    while remaining:
        day += timedelta(days=step)
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end``; negative when ``end`` is
    before ``start``. From a deadline to today, it is how many working days an issue is late."""
    if end == start:
        return 0
    sign = 1 if end > start else -1
    low, high = (start, end) if sign == 1 else (end, start)
    count = 0
    day = low + timedelta(days=1)
    while day <= high:
        if is_working_day(day):
            count += 1
        day += timedelta(days=1)
    return sign * count


def next_working_day(day: date) -> date:
    """``day`` when it is a working day, else the first working day after it."""
    return add_working_days(day, 0)
