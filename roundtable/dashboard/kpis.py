"""The dashboard's key figures, for any period and any department.

Every figure is a set of issues, and each set is written once, as a ``Q`` over ``Issue`` (or,
for the response rate, a queryset of lead assignments), in issues/kpi_selectors.py; overdue
and due soon in issues/querysets.py; periods and quarters in roundtable/lib/periods.py. The
figures count those sets with aggregates in the database; the ledger's filters
(issues/filters.py) apply the very same definitions, so a figure's link opens exactly the
issues it counts. The README's section "KPI definitions" says the same in words. This module
also offers those definitions, and the trend, breakdowns and lists of kpi_lists.py.

A period is a range of calendar days in the site's time zone (Asia/Shanghai), both ends
included; the dashboard uses quarters. A department's figures are those of the issues it
currently leads: the department of the issue's current lead assignment.

Working days come from roundtable/workdays. Two figures need them per row, and both stay in
SQL, the same query on SQLite and PostgreSQL: the response window and the days to conclusion
look dates up in the table of working-day ordinals (``WorkdayOrdinal``) through the ORM, and
the database returns a histogram (department, working days, issues) from which the median is
read.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    Value,
    When,
)
from django.utils import timezone

from issues.kpi_selectors import (  # noqa: F401 - _response_runs: the tests read it here
    LATE,
    ON_TIME,
    SATISFIED,
    _response_runs,
    accept_within,
    closed_in,
    concluded_in,
    escalated_now,
    found_dissatisfied_in,
    instruction_pending,
    late_in,
    lead_assignments,
    on_time_in,
    open_now,
    raised_in,
    rated_in,
    reopened_in,
    resolved_in,
    responded_in_time,
    response_assignments,
    response_due,
    response_issues,
    satisfied_in,
)
from issues.models import Assignment, Issue
from issues.querysets import ACTIVE_STATUSES, OPEN_STATUSES, overdue_on
from roundtable.dashboard.kpi_lists import (
    BREAKDOWN_COLUMNS,
    BREAKDOWN_DIMENSIONS,
    BREAKDOWN_FIELDS,
    QuarterTrend,
    breakdowns,
    escalated,
    ledger_params,
    oldest_overdue,
    trend,
    with_instruction_pending,
)
from roundtable.lib.periods import (
    TREND_QUARTERS,
    Period,
    current_quarter,
    day_start,
    parse_period,
    quarter,
    quarter_of,
    quarters_ending,
    year,
)
from roundtable.workdays import services as workdays
from roundtable.workdays.models import WorkdayOrdinal
from roundtable.workdays.services import working_day_ordinals

# The definitions and periods this module was the home of, for its callers.
__all__ = [
    "ACTIVE_STATUSES",
    "BREAKDOWN_COLUMNS",
    "BREAKDOWN_DIMENSIONS",
    "BREAKDOWN_FIELDS",
    "QuarterTrend",
    "breakdowns",
    "escalated",
    "ledger_params",
    "oldest_overdue",
    "trend",
    "with_instruction_pending",
    "LATE",
    "ON_TIME",
    "OPEN_STATUSES",
    "SATISFIED",
    "TREND_QUARTERS",
    "Period",
    "accept_within",
    "closed_in",
    "concluded_in",
    "current_quarter",
    "day_start",
    "escalated_now",
    "found_dissatisfied_in",
    "instruction_pending",
    "late_in",
    "lead_assignments",
    "on_time_in",
    "open_now",
    "overdue_on",
    "parse_period",
    "quarter",
    "quarter_of",
    "quarters_ending",
    "raised_in",
    "rated_in",
    "reopened_in",
    "resolved_in",
    "responded_in_time",
    "response_assignments",
    "response_due",
    "response_issues",
    "satisfied_in",
    "working_day_ordinals",
    "year",
]

Status = Issue.Status
Satisfaction = Issue.Satisfaction
# Rated by the enterprise itself: the condition rated_by_enterprise_in adds to rated_in.
BY_ENTERPRISE = Q(satisfaction_by=Issue.RatedBy.ENTERPRISE)


# --- Figures ------------------------------------------------------------------------------


@dataclass
class Figures:
    """The KPIs of one scope (the district or one department) for one period. Rates and the
    median are ``None`` when nothing was there to measure."""

    raised: int = 0
    concluded: int = 0
    on_time: int = 0
    resolved: int = 0
    open: int = 0
    overdue: int = 0
    rated: int = 0
    # of ``rated``: rated by the enterprise itself on the portal (the rest: recorded by staff)
    rated_by_enterprise: int = 0
    satisfied: int = 0
    response_due: int = 0
    responded: int = 0
    reopened: int = 0
    # working days from raised to concluded → number of issues concluded in the period
    spans: Counter = field(default_factory=Counter)

    COUNTS = (
        "raised",
        "concluded",
        "on_time",
        "resolved",
        "open",
        "overdue",
        "rated",
        "rated_by_enterprise",
        "satisfied",
        "response_due",
        "responded",
        "reopened",
    )

    def add(self, other: Figures) -> None:
        for name in self.COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.spans.update(other.spans)

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return None if not whole else part / whole

    @property
    def rated_by_staff(self) -> int:
        """Of ``rated``: recorded by commerce staff on the enterprise's behalf."""
        return self.rated - self.rated_by_enterprise

    @property
    def late(self) -> int:
        return self.concluded - self.on_time

    @property
    def response_rate(self) -> float | None:
        return self._rate(self.responded, self.response_due)

    @property
    def on_time_rate(self) -> float | None:
        return self._rate(self.on_time, self.concluded)

    @property
    def resolution_rate(self) -> float | None:
        return self._rate(self.resolved, self.raised)

    @property
    def satisfaction_rate(self) -> float | None:
        return self._rate(self.satisfied, self.rated)

    @property
    def median_days(self) -> float | None:
        return weighted_median(self.spans)


def weighted_median(histogram: Counter) -> float | None:
    """The median of a histogram {value: count}: the middle value, or the mean of the two
    middle values when the count is even."""
    total = sum(histogram.values())
    if not total:
        return None
    low_rank, high_rank = (total - 1) // 2, total // 2
    seen, low = 0, None
    for value in sorted(histogram):
        seen += histogram[value]
        if low is None and seen > low_rank:
            low = value
        if seen > high_rank:
            return (low + value) / 2
    return None  # pragma: no cover - unreachable


# Issue.lead_department is the current lead assignment's department, kept by the services:
# grouping by it needs no join to the assignments.
LEAD_DEPARTMENT = "lead_department_id"


def _issues(*, by_department: bool, department_id: int | None):
    qs = Issue.objects.all()
    if department_id is not None:
        qs = qs.filter(**{LEAD_DEPARTMENT: department_id})
    return qs


def _grouped(qs, aggregates: dict, *, by_department: bool) -> dict:
    """{department id or None: {name: value}}; one key, None, when not by department."""
    if by_department:
        rows = qs.values(LEAD_DEPARTMENT).annotate(**aggregates).order_by()
        return {row.pop(LEAD_DEPARTMENT): row for row in rows}
    return {None: qs.aggregate(**aggregates)}


def compute(
    period: Period,
    *,
    today: date | None = None,
    by_department: bool = False,
    department_id: int | None = None,
) -> dict[int | None, Figures]:
    """The KPIs for ``period``: ``{None: district}`` by default, ``{department id: figures}``
    for every department leading something (key None: issues without a lead) with
    ``by_department``, or ``{department_id: figures}`` for one department."""
    return compute_periods(
        [period], today=today, by_department=by_department, department_id=department_id
    )[0]


def compute_periods(
    periods: list[Period],
    *,
    today: date | None = None,
    by_department: bool = False,
    department_id: int | None = None,
    now: bool = True,
) -> list[dict[int | None, Figures]]:
    """``compute`` for several periods at once (the dashboard's quarter and the one before),
    in the same four queries whatever the number of periods, issues and departments: one pass
    over the issues that can count, one over the reopened ones, one over lead assignments, and
    one over the concluded ones (conclusions, on time, working days; a fifth when some were
    raised before the working-day calendar's first year). Without ``now`` the figures of the
    present (open and overdue now) are left at 0: the dashboard's cache keeps them apart
    (``now_counts``), as they change with every change of an open issue, whatever its period."""
    today = today or timezone.localdate()
    grouped = by_department or department_id is not None
    results: list[dict[int | None, Figures]] = [{} for _ in periods]

    def figures(index: int, key) -> Figures:
        if key not in results[index]:
            results[index][key] = Figures()
        return results[index][key]

    # The days of all the periods: a superset of every period's rows, one range per column
    # so that the indexes on those columns serve it; the counts then filter exactly.
    hull = Period(min(p.start for p in periods), max(p.end for p in periods))
    issues = _issues(by_department=by_department, department_id=department_id)
    _count_issues(issues, periods, hull, today, grouped, figures, now=now)
    _count_reopenings(issues, periods, hull, grouped, figures)
    _count_responses(periods, hull, today, grouped, department_id, figures)
    # 4. Conclusions: how many, how many on time, and the working days they took.
    for (i, key), (spans, on_time) in conclusions(
        periods, grouped=grouped, department_id=department_id
    ).items():
        f = figures(i, key)
        f.spans.update(spans)
        f.concluded, f.on_time = spans.total(), on_time

    if department_id is not None:
        return [{department_id: r.get(department_id, Figures())} for r in results]
    if not grouped:
        return [{None: r.get(None, Figures())} for r in results]
    return results


def _now_aggregates(today: date) -> dict:
    return {
        "open": Count("raised_on", filter=open_now()),
        "overdue": Count("raised_on", filter=overdue_on(today)),
    }


def _count_issues(issues, periods, hull, today, grouped, figures, *, now: bool) -> None:
    """1. Counts over issues, in one pass over the rows that can count. Counting a column
    that is never null (not the id) lets PostgreSQL read only the index issue_kpi_columns."""
    reach = raised_in(hull) | closed_in(hull)
    aggregates = {}
    if now:
        reach |= open_now()
        aggregates |= _now_aggregates(today)
    for i, period in enumerate(periods):
        aggregates |= {
            f"raised_{i}": Count("raised_on", filter=raised_in(period)),
            f"resolved_{i}": Count("raised_on", filter=resolved_in(period)),
            f"rated_{i}": Count("raised_on", filter=closed_in(period) & ~Q(satisfaction="")),
            f"rated_by_enterprise_{i}": Count(
                "raised_on",
                filter=closed_in(period) & ~Q(satisfaction="") & BY_ENTERPRISE,
            ),
            f"satisfied_{i}": Count("raised_on", filter=satisfied_in(period)),
        }
    counts = _grouped(issues.filter(reach), aggregates, by_department=grouped)
    names = ("raised", "resolved", "rated", "rated_by_enterprise", "satisfied")
    for key, row in counts.items():
        for i in range(len(periods)):
            values = {name: row[f"{name}_{i}"] for name in names}
            if not now and not any(values.values()):
                continue  # counted in another period only: no row, as when counted alone
            f = figures(i, key)
            if now:
                f.open, f.overdue = row["open"], row["overdue"]
            for name, value in values.items():
                setattr(f, name, value)


def now_counts(
    today: date, *, by_department: bool = False, department_id: int | None = None
) -> dict[int | None, tuple[int, int]]:
    """The figures of the present, (open, overdue), keyed as ``compute``'s: one query over
    the open issues."""
    issues = _issues(by_department=by_department, department_id=department_id)
    grouped = by_department or department_id is not None
    rows = _grouped(issues.filter(open_now()), _now_aggregates(today), by_department=grouped)
    if department_id is not None:
        row = rows.get(department_id, {"open": 0, "overdue": 0})
        return {department_id: (row["open"], row["overdue"])}
    return {key: (row["open"], row["overdue"]) for key, row in rows.items()}


def with_now(
    figures: dict[int | None, Figures], counts: dict[int | None, tuple[int, int]]
) -> dict[int | None, Figures]:
    """``figures`` computed without ``now``, with the present's ``counts`` put in (a
    department with only open issues gets a row)."""
    result = dict(figures)
    for key, (open_, overdue) in counts.items():
        f = result.get(key) or Figures()
        f.open, f.overdue = open_, overdue
        result[key] = f
    return result


def _count_reopenings(issues, periods, hull, grouped, figures) -> None:
    """2. Reopenings, and ratings of dissatisfied enterprises (they reopen instead of
    closing): over the few issues reopened in the periods."""
    aggregates = {}
    for i, period in enumerate(periods):
        aggregates |= {
            f"reopened_{i}": Count("pk", filter=reopened_in(period)),
            f"dissatisfied_{i}": Count("pk", filter=found_dissatisfied_in(period)),
            f"dissatisfied_by_enterprise_{i}": Count(
                "pk", filter=found_dissatisfied_in(period) & BY_ENTERPRISE
            ),
        }
    for key, row in _grouped(
        issues.filter(reopened_in(hull)), aggregates, by_department=grouped
    ).items():
        for i in range(len(periods)):
            if row[f"reopened_{i}"] or row[f"dissatisfied_{i}"]:
                f = figures(i, key)
                f.reopened = row[f"reopened_{i}"]
                f.rated += row[f"dissatisfied_{i}"]
                f.rated_by_enterprise += row[f"dissatisfied_by_enterprise_{i}"]


def _count_responses(periods, hull, today, grouped, department_id, figures) -> None:
    """3. Response: current lead assignments made in the periods. Counting a column of the
    index (never null), not the id, lets PostgreSQL read only assignment_lead_assigned_at."""
    assignments = Assignment.objects.current().filter(role=Assignment.Role.LEAD)
    if department_id is not None:
        assignments = assignments.filter(department_id=department_id)
    aggregates = {}
    for i, period in enumerate(periods):
        in_period = Q(assigned_at__gte=period.start_at, assigned_at__lt=period.end_before)
        aggregates |= {
            f"due_{i}": Count("assigned_at", filter=in_period & response_due(period, today)),
            f"in_time_{i}": Count("assigned_at", filter=in_period & responded_in_time(period)),
        }
    assignments = assignments.filter(
        assigned_at__gte=hull.start_at, assigned_at__lt=hull.end_before
    )
    if grouped:
        rows = assignments.values("department_id").annotate(**aggregates).order_by()
        response_rows = {row.pop("department_id"): row for row in rows}
    else:
        response_rows = {None: assignments.aggregate(**aggregates)}
    for key, row in response_rows.items():
        for i in range(len(periods)):
            if row[f"due_{i}"] or row[f"in_time_{i}"]:
                f = figures(i, key)
                f.response_due, f.responded = row[f"due_{i}"], row[f"in_time_{i}"]


def district_of(by_department: dict[int | None, Figures]) -> Figures:
    """The district's figures from every department's (and the unassigned issues'): each
    issue has at most one current lead, so the counts and histograms add up exactly."""
    total = Figures()
    for figures in by_department.values():
        total.add(figures)
    return total


def _has_ordinal(field_name: str) -> Exists:
    return Exists(WorkdayOrdinal.objects.filter(date=OuterRef(field_name)))


def _spans(issues, keys: list[str]):
    """Rows of ``keys``, ``span`` (working days from raised to concluded, None when a date
    is outside the table of ordinals), ``n`` and ``on_time``: ``issues`` grouped by ``keys``
    and both dates in the ORM, then joined twice to the table of working-day ordinals. The
    join is written as SQL because Django joins only along relations; it is plain SQL, the
    same on SQLite and PostgreSQL. (Two correlated subqueries per issue instead took 195 ms
    at 100,000 issues on PostgreSQL, against 14 ms for a join.)"""
    rows = (
        issues.annotate(
            on_time=Case(
                When(ON_TIME, then=Value(1)), default=Value(0), output_field=IntegerField()
            )
        )
        .values(*keys, "raised_on", "concluded_on", "on_time")
        .order_by()
    )  # no sort: grouped
    inner, params = rows.query.sql_with_params()
    q = connection.ops.quote_name
    table, ordinal = q(WorkdayOrdinal._meta.db_table), q("ordinal")
    outer_keys = ", ".join(f"g.{q(k)}" for k in keys)
    span = f"c.{ordinal} - r.{ordinal}"
    sql = (
        f"SELECT {outer_keys}, {span}, COUNT(*), SUM(g.{q('on_time')}) "
        f"FROM ({inner}) g "
        f"LEFT JOIN {table} r ON r.{q('date')} = g.{q('raised_on')} "
        f"LEFT JOIN {table} c ON c.{q('date')} = g.{q('concluded_on')} "
        f"GROUP BY {outer_keys}, {span}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for *values, span_, n, on_time in cursor.fetchall():
            yield {
                **dict(zip(keys, values, strict=True)),
                "span": span_,
                "n": int(n),
                "on_time": int(on_time),
            }


def conclusions(
    periods: list[Period], *, grouped: bool, department_id: int | None = None
) -> dict[tuple[int, int | None], tuple[Counter, int]]:
    """{(period index, department id or None): (Counter(working days from raised to
    concluded → issues), issues concluded on time)} for the issues concluded in each of
    ``periods`` (``concluded_in`` and ``on_time_in``).

    One query, the same on every database: both dates of every issue are joined to the
    table of working-day ordinals (roundtable/workdays, ``WorkdayOrdinal``), and the database
    returns one row per period, department and span. A date outside the table (an issue
    raised before the calendar's first year) leaves the span empty; when there are such
    issues, one more query fetches their dates and their spans are counted here."""
    hull = Period(min(p.start for p in periods), max(p.end for p in periods))
    issues = Issue.objects.filter(concluded_in(hull))
    if department_id is not None:
        issues = issues.filter(**{LEAD_DEPARTMENT: department_id})
    issues = issues.annotate(
        bucket=Case(
            *(When(concluded_in(period), then=Value(i)) for i, period in enumerate(periods)),
            output_field=IntegerField(),
        )
    )
    keys = ["bucket", LEAD_DEPARTMENT] if grouped else ["bucket"]
    counts = {"n": Count("*"), "on_time": Count("concluded_on", filter=ON_TIME)}
    result: dict[tuple[int, int | None], tuple[Counter, int]] = {}

    def add(row: dict, span: int) -> None:
        if row["bucket"] is None:
            return
        key = (row["bucket"], row.get(LEAD_DEPARTMENT))
        spans, on_time = result.get(key, (Counter(), 0))
        spans[span] += row["n"]
        result[key] = (spans, on_time + row["on_time"])

    outside = False
    for row in _spans(issues, keys):
        if row["span"] is None:
            outside = True  # a date outside the table: counted from the dates below
        else:
            add(row, row["span"])
    if outside:
        for row in (
            issues.filter(~_has_ordinal("raised_on") | ~_has_ordinal("concluded_on"))
            .values(*keys, "raised_on", "concluded_on")
            .annotate(**counts)
            .order_by()
        ):
            add(row, workdays.working_days_between(row["raised_on"], row["concluded_on"]))
    return result
