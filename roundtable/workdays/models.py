from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class CalendarYear(models.Model):
    """One year of the official calendar. ``published`` says the State Council's arrangement of
    days off and make-up working days for the year is entered; until then the year counts
    weekdays only and every date in it is provisional."""

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    published = models.BooleanField(_("official arrangement published"), default=False)
    source = models.CharField(_("source"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """A date that departs from the Monday-to-Friday rule: an official day off, or a make-up
    working day (调休) on a weekend."""

    class Kind(models.TextChoices):
        DAY_OFF = "off", _("Official day off")
        WORKING_DAY = "work", _("Make-up working day")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=4, choices=Kind.choices)
    name = models.CharField(_("holiday"), max_length=100, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["off", "work"]), name="calendar_day_kind_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}".strip()


class CalendarVersion(models.Model):
    """One row whose number every edit of the calendar raises (``services.calendar_changed``).

    Each process keeps the calendar in memory and compares this number with the one it read
    the calendar at, once per request or task: an edit made in one process (the admin's web
    worker, ``seed_calendar``) reaches every other web and Celery worker at its next request
    or task. Caches of figures computed from working days (the dashboard's) carry the number
    in their keys."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    number = models.PositiveBigIntegerField(_("number"), default=1)
    # The number the table of working-day ordinals was last built at (``WorkdayOrdinal``).
    ordinals_number = models.PositiveBigIntegerField("ordinals built at", default=0)

    class Meta:
        verbose_name = _("calendar version")
        verbose_name_plural = _("calendar versions")

    def __str__(self) -> str:
        return str(self.number)


class WorkdayOrdinal(models.Model):
    """Every date of the calendar's years with its working-day ordinal: how many working days
    there are from the first date of the table up to and including this one. The number of
    working days after ``a`` up to and including ``b`` is ``ordinal(b) - ordinal(a)``; the
    ``n``-th working day after ``a`` is the working date whose ordinal is ``ordinal(a) + n``.

    Derived from ``CalendarYear`` and ``CalendarDay`` by ``ordinals.rebuild`` (the same rule as
    ``services.is_working_day``: a year not published counts Monday to Friday), and rebuilt
    whenever the calendar is edited (``services.calendar_changed``). It lets SQL count working
    days with the same calendar as Python: the dashboard joins it through the ORM. Internal
    (no admin page), so its names are not translated."""

    date = models.DateField(_("date"), primary_key=True)
    is_working = models.BooleanField("working day")
    ordinal = models.PositiveIntegerField("working-day ordinal", db_index=True)

    class Meta:
        verbose_name = "working-day ordinal"
        verbose_name_plural = "working-day ordinals"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.ordinal}"
