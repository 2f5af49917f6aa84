"""Periods of calendar days, and quarters: defined once, here.

A period is a range of calendar days in the site's time zone (Asia/Shanghai), both ends
included. The dashboard, its reports, the meetings' calendar and the quarterly reminders all
take their quarters from ``quarter_of`` / ``quarter_number`` / ``quarter_bounds``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TREND_QUARTERS = 8


def quarter_number(day: date) -> int:
    """1 to 4: the quarter of the year ``day`` lies in."""
    return (day.month - 1) // 3 + 1


def quarter_start(year_: int, number: int) -> date:
    """The first day of quarter ``number`` (1 to 4) of ``year_``."""
    return date(year_, 3 * (number - 1) + 1, 1)


def quarter_end(year_: int, number: int) -> date:
    """The last day of quarter ``number`` (1 to 4) of ``year_``."""
    after = date(year_ + 1, 1, 1) if number == 4 else quarter_start(year_, number + 1)
    return after - timedelta(days=1)


def quarter_bounds(day: date) -> tuple[date, date, int]:
    """(first day, last day, number) of the quarter ``day`` lies in."""
    number = quarter_number(day)
    return quarter_start(day.year, number), quarter_end(day.year, number), number


def day_start(day: date) -> dt.datetime:
    """Midnight at the start of ``day`` in the site's time zone (aware)."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_default_timezone())


@dataclass(frozen=True)
class Period:
    """Calendar days ``start`` to ``end``, both included, in the site's time zone. ``key`` is
    how the dashboard's URL names it: ``2026Q3`` for a quarter, ``2026`` for a year."""

    start: date
    end: date
    key: str = ""

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError("a period ends on or after its start")

    @property
    def label(self) -> str:
        match = re.fullmatch(r"(\d{4})Q([1-4])", self.key)
        if match:
            return str(_("Q%(quarter)s %(year)s")) % {
                "quarter": match[2],
                "year": match[1],
            }
        if re.fullmatch(r"\d{4}", self.key):
            return self.key
        return f"{self.start:%Y-%m-%d} – {self.end:%Y-%m-%d}"

    @property
    def is_quarter(self) -> bool:
        return "Q" in self.key

    def previous(self) -> Period:
        """The period of the same kind just before this one (a quarter, a year, or as many
        days)."""
        if self.is_quarter:
            return quarter_of(self.start - timedelta(days=1))
        if re.fullmatch(r"\d{4}", self.key):
            return year(self.start.year - 1)
        length = self.end - self.start
        end = self.start - timedelta(days=1)
        return Period(end - length, end)

    def next(self) -> Period:
        if self.is_quarter:
            return quarter_of(self.end + timedelta(days=1))
        if re.fullmatch(r"\d{4}", self.key):
            return year(self.start.year + 1)
        length = self.end - self.start
        start = self.end + timedelta(days=1)
        return Period(start, start + length)

    def days(self):
        day = self.start
        while day <= self.end:
            yield day
            day += timedelta(days=1)

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    # Datetime bounds: [start 00:00, day after end 00:00) in the site's time zone.
    @property
    def start_at(self) -> dt.datetime:
        return day_start(self.start)

    @property
    def end_before(self) -> dt.datetime:
        return day_start(self.end + timedelta(days=1))


def quarter(year_: int, number: int) -> Period:
    return Period(quarter_start(year_, number), quarter_end(year_, number), f"{year_}Q{number}")


def quarter_of(day: date) -> Period:
    return quarter(day.year, quarter_number(day))


def year(year_: int) -> Period:
    return Period(date(year_, 1, 1), date(year_, 12, 31), str(year_))


def current_quarter(today: date | None = None) -> Period:
    return quarter_of(today or timezone.localdate())


def parse_period(text: str | None, *, today: date | None = None) -> Period:
    """``2026Q3`` (a quarter) or ``2026`` (a year); empty means the current quarter. Raises
    ``ValueError`` for anything else, and for years outside 2000–2100."""
    text = (text or "").strip().upper()
    if not text:
        return current_quarter(today)
    match = re.fullmatch(r"([0-9]{4})(?:-?Q([1-4]))?", text)
    if not match or not 2000 <= int(match[1]) <= 2100:
        raise ValueError(f"not a period: {text!r}")
    if match[2]:
        return quarter(int(match[1]), int(match[2]))
    return year(int(match[1]))


def quarters_ending(period: Period, count: int = TREND_QUARTERS) -> list[Period]:
    """``count`` quarters, oldest first, the last one holding ``period``'s last day."""
    quarters = [quarter_of(period.end)]
    while len(quarters) < count:
        quarters.insert(0, quarters[0].previous())
    return quarters
