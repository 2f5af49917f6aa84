"""Working days (工作日) by China's official calendar.

Every deadline, reminder and KPI that counts working days calls these functions. The calendar
is the ``CalendarYear``/``CalendarDay`` tables, seeded from the chinese-calendar package by
``manage.py seed_calendar`` and edited by administrators when the next year's arrangement is
published. A year that is not published counts Monday to Friday only, and its dates are
*provisional*: callers show that rather than fail.

Each process keeps the calendar in memory. Every edit raises ``CalendarVersion.number``
(``calendar_changed``); a process reads that number once per request or Celery task (and at
least every minute in between) and drops what it kept when the number moved, so an edit made
anywhere is seen everywhere at the next request or task.

SQL counts working days with the same calendar through the table of working-day ordinals
(``WorkdayOrdinal``, built by ordinals.py): every edit rebuilds it (``calendar_changed``), and
the version check rebuilds it too if the calendar's tables were written without that (the
version row records the number the table was built at).
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from roundtable.workdays import ordinals
from roundtable.workdays.models import CalendarDay, CalendarVersion, CalendarYear, WorkdayOrdinal

# Outside requests and tasks (a shell, a long management command) the version is read again
# after this long.
_RECHECK_SECONDS = 60


@dataclass(frozen=True)
class _Year:
    published: bool
    days_off: frozenset[date]
    working_days: frozenset[date]
    # through[i]: the working days from 1 January to the year's (i + 1)-th day, inclusive
    through: tuple[int, ...] = ()


_cache: dict[int, _Year] = {}
_loaded_version: int | None = None
# When this thread last compared the version: None at the start of each request and task.
_checked = threading.local()


def clear_cache() -> None:
    """Forget the cached calendar (after an edit; tests call it between cases)."""
    global _loaded_version
    _cache.clear()
    _loaded_version = None
    _checked.at = None


def start_of_work(**_signal_kwargs) -> None:
    """Connected to ``request_started`` and Celery's ``task_prerun`` (apps.py): the next
    calendar read in this request or task first checks that the calendar is current."""
    _checked.at = None


def _read_version() -> int:
    row = CalendarVersion.objects.filter(pk=1).values_list("number", "ordinals_number").first()
    if row is None:
        return 0
    number, built_at = row
    if built_at != number:
        _rebuild_ordinals()
    return number


def rebuild_ordinals() -> None:
    """Write the table of working-day ordinals again from the calendar as it is."""
    ordinals.rebuild(CalendarYear, CalendarDay, WorkdayOrdinal)


def _rebuild_ordinals() -> None:
    """Rebuild the table the version row says is out of date (the calendar's tables were
    written without ``calendar_changed``): one process at a time, under the row's lock."""
    with transaction.atomic():
        row = (
            CalendarVersion.objects.select_for_update()
            .filter(pk=1)
            .values_list("number", "ordinals_number")
            .first()
        )
        if row is None or row[0] == row[1]:
            return  # another process rebuilt it meanwhile
        rebuild_ordinals()
        CalendarVersion.objects.filter(pk=1).update(ordinals_number=row[0])


def _ensure_current() -> None:
    """Drop the kept calendar when it was edited since it was read, in any process. One
    query per request or task; nothing after that."""
    global _loaded_version
    now = time.monotonic()
    at = getattr(_checked, "at", None)
    if at is not None and now - at < _RECHECK_SECONDS and _loaded_version is not None:
        return
    current = _read_version()
    if current != _loaded_version:
        _cache.clear()
        _loaded_version = current
    _checked.at = now


def calendar_version() -> int:
    """The version of the calendar this request or task counts with: a key part for caches
    of anything computed from working days."""
    _ensure_current()
    return _loaded_version or 0


def calendar_changed() -> None:
    """Record an edit of the calendar (a day or a year added, changed or deleted). Call it in
    the transaction that made the edit: this process counts with the edit at once, every other
    process from its next request or task, SQL at once (the table of working-day ordinals is
    rebuilt), and cached figures keyed by ``calendar_version`` are recomputed."""
    with transaction.atomic():
        updated = CalendarVersion.objects.filter(pk=1).update(number=F("number") + 1)
        if not updated:
            # Milliseconds: a row that was deleted restarts above every number used before.
            CalendarVersion.objects.get_or_create(
                pk=1, defaults={"number": int(time.time() * 1000)}
            )
        # The table SQL counts with, in the same transaction as the edit.
        rebuild_ordinals()
        CalendarVersion.objects.filter(pk=1).update(ordinals_number=F("number"))
    clear_cache()
    # A rollback leaves the old calendar: read it again then too.
    transaction.on_commit(clear_cache)


def _year(year: int) -> _Year:
    _ensure_current()
    hit = _cache.get(year)
    if hit is not None:
        return hit
    published = CalendarYear.objects.filter(year=year, published=True).exists()
    off, work = set(), set()
    if published:
        for day, kind in CalendarDay.objects.filter(date__year=year).values_list("date", "kind"):
            (off if kind == CalendarDay.Kind.DAY_OFF else work).add(day)
    days_off, working_days = frozenset(off), frozenset(work)
    through, count, day = [], 0, date(year, 1, 1)
    while day.year == year:
        count += ordinals.day_is_working(day, days_off, working_days)
        through.append(count)
        day += timedelta(days=1)
    data = _Year(published, days_off, working_days, tuple(through))
    _cache[year] = data
    return data


def _working_through(day: date) -> int:
    """Working days from 1 January of ``day``'s year to ``day``, inclusive."""
    return _year(day.year).through[day.timetuple().tm_yday - 1]


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
    return ordinals.day_is_working(day, info.days_off, info.working_days)


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
    # From each year's running count, not day by day (an issue page asked 400 days).
    count = sum(_year(year).through[-1] for year in range(low.year, high.year))
    return sign * (count + _working_through(high) - _working_through(low))


def working_day_ordinals(low: date, high: date) -> list[tuple[date, int]]:
    """(day, number of working days after ``low`` up to and including it), for every day
    from ``low`` to ``high``: the difference of two ordinals is ``working_days_between``."""
    ordinals, count, day = [], 0, low
    while day <= high:
        if day > low and is_working_day(day):
            count += 1
        ordinals.append((day, count))
        day += timedelta(days=1)
    return ordinals


def next_working_day(day: date) -> date:
    """``day`` when it is a working day, else the first working day after it."""
    return add_working_days(day, 0)


# --- Deadlines given in working days ------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    """A deadline as it was given: a date, or ``working_days`` working days counted from
    ``counted_from``. ``provisional`` when that count crosses a year whose official
    arrangement is not published yet: the date is recounted when it is."""

    day: date
    working_days: int | None = None
    counted_from: date | None = None
    provisional: bool = False


def deadline_in_working_days(n: int, *, today: date | None = None) -> Deadline:
    """The one rule for a deadline given as "``n`` working days": counted from the day it
    is given, today in Asia/Shanghai, whatever day the issue was raised or its meeting held.
    Every form that takes working days, its preview and the recount after a calendar edit
    call this (``today`` is given only to recount a deadline from the day it was given)."""
    base = today or timezone.localdate()
    day = add_working_days(base, n)
    return Deadline(day, n, base, counts_provisionally(base, day))


def as_deadline(value: date | Deadline) -> Deadline:
    """A date given as such is a ``Deadline`` with no count behind it."""
    return value if isinstance(value, Deadline) else Deadline(value)


def recount(deadline: Deadline) -> Deadline:
    """``deadline`` counted again from the day it was given, with the calendar as it is now."""
    if deadline.working_days is None or deadline.counted_from is None:
        return deadline
    return deadline_in_working_days(deadline.working_days, today=deadline.counted_from)


def counts_provisionally(start: date, end: date) -> bool:
    """True when counting working days from ``start`` to ``end`` crosses a year whose official
    arrangement is not published yet."""
    low, high = min(start, end), max(start, end)
    return any(not _year(year).published for year in range(low.year, high.year + 1))


# --- What depends on the calendar ---------------------------------------------------------


@dataclass(frozen=True)
class FollowUp:
    """Something an edit of the calendar leaves to do, for the calendar's admin pages: ``url``
    is "" when the user may not open the page that does it."""

    text: str
    link_text: str = ""
    url: str = ""


# Higher layers that keep something computed from the calendar and need a person after an
# edit (issues: provisional deadlines to recount) register a function of the user here; the
# calendar's admin pages show what they return without importing them.
_follow_ups: list[Callable[[object], list[FollowUp]]] = []


def register_follow_up(function: Callable[[object], list[FollowUp]]) -> None:
    if function not in _follow_ups:
        _follow_ups.append(function)


def follow_ups(user) -> list[FollowUp]:
    """What the calendar as it is now leaves to do, for ``user``."""
    return [item for function in _follow_ups for item in function(user)]
