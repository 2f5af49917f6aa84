"""The table of working-day ordinals (``WorkdayOrdinal``): built here from the calendar.

The table covers every date from 1 January of the first published year to 31 December two
years after the later of the last published year and the current year, so that the deadlines
and windows counted from today fall inside it. A year not published counts Monday to Friday,
as ``services.is_working_day`` does; publishing it is an edit of the calendar, which rebuilds
the table.

The functions take the models as arguments so that a data migration can pass its historical
models.
"""

from datetime import date, timedelta

from django.utils import timezone

# Years after max(last published year, current year) that the table covers.
YEARS_AHEAD = 2


def day_is_working(day: date, days_off, make_up_days) -> bool:
    """The rule, for Python (``services.is_working_day``) and for the table alike: an
    official day off is not a working day, a make-up working day is, and otherwise Monday to
    Friday are. ``days_off`` and ``make_up_days`` hold the published years' dates only."""
    if day in days_off:
        return False
    if day in make_up_days:
        return True
    return day.weekday() < 5


def rows(published: set[int], exceptions: dict[date, str], *, today: date):
    """(date, is working, ordinal) for every date the table covers. ``exceptions`` holds the
    published years' days off ("off") and make-up working days ("work")."""
    days_off = {day for day, kind in exceptions.items() if kind == "off"}
    make_up_days = {day for day, kind in exceptions.items() if kind == "work"}
    first_year = min(published, default=today.year)
    last_year = max(max(published, default=today.year), today.year) + YEARS_AHEAD
    day, last, count = date(first_year, 1, 1), date(last_year, 12, 31), 0
    while day <= last:
        working = day_is_working(day, days_off, make_up_days)
        count += working
        yield day, working, count
        day += timedelta(days=1)


def rebuild(calendar_year_model, calendar_day_model, ordinal_model, *, today=None) -> int:
    """Write the table again from the calendar as it is; returns the number of dates."""
    published = set(
        calendar_year_model.objects.filter(published=True).values_list("year", flat=True)
    )
    exceptions = dict(
        calendar_day_model.objects.filter(date__year__in=published).values_list("date", "kind")
    )
    objects = [
        ordinal_model(date=day, is_working=working, ordinal=n)
        for day, working, n in rows(published, exceptions, today=today or timezone.localdate())
    ]
    ordinal_model.objects.all().delete()
    ordinal_model.objects.bulk_create(objects, batch_size=2000)
    return len(objects)
