"""Working-day arithmetic over a span of days, for code that asks thousands of times (the
reminder rules, a reminder e-mail's "working days late")."""

from datetime import date, timedelta

from roundtable.workdays import services as workdays


class WorkdayTable:
    """Working-day arithmetic for a span of days, computed once from ``workdays`` (which is
    the authority); outside the span it asks ``workdays`` directly. Thousands of issues share
    one table instead of each walking the calendar day by day."""

    def __init__(self, start: date, end: date):
        self.start, self.end = start, end
        self.working: list[date] = []
        self._count: list[int] = []  # working days in [start, day]
        n = 0
        day = start
        while day <= end:
            if workdays.is_working_day(day):
                self.working.append(day)
                n += 1
            self._count.append(n)
            day += timedelta(days=1)

    def _within(self, day: date) -> bool:
        return self.start <= day <= self.end

    def count(self, day: date) -> int:
        return self._count[(day - self.start).days]

    def add(self, day: date, n: int) -> date:
        """Same answer as ``workdays.add_working_days``."""
        if self._within(day):
            # Index into self.working: count(day) working days lie on or before ``day``.
            if n > 0:
                i = self.count(day) + n - 1
            else:
                i = self.count(day) - (1 if day in self._set else 0) + n
            if 0 <= i < len(self.working):
                return self.working[i]
        return workdays.add_working_days(day, n)

    def between(self, start: date, end: date) -> int:
        """Same answer as ``workdays.working_days_between``."""
        if self._within(start) and self._within(end):
            return self.count(end) - self.count(start)
        return workdays.working_days_between(start, end)

    def is_working(self, day: date) -> bool:
        """Same answer as ``workdays.is_working_day``."""
        return day in self._set if self._within(day) else workdays.is_working_day(day)

    @property
    def _set(self) -> frozenset[date]:
        cached = getattr(self, "_working_set", None)
        if cached is None:
            cached = self._working_set = frozenset(self.working)
        return cached


def first_working_day_of_week(day: date) -> date | None:
    monday = day - timedelta(days=day.weekday())
    first = workdays.next_working_day(monday)
    return first if first <= monday + timedelta(days=6) else None
