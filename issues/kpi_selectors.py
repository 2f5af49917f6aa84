"""The sets of issues behind the dashboard's figures, each written once as a ``Q`` over
``Issue`` (or, for the response rate, a queryset of lead assignments). The ledger's filters
(issues/filters.py) and the dashboard's figures (roundtable/dashboard/kpis.py) both use these,
so a figure's link opens exactly the issues it counts. The README's section "KPI definitions"
says the same in words."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db.models import DateTimeField, Exists, Expression, F, OuterRef, Q
from django.utils import timezone

from issues.models import ActionUpdate, Assignment, Issue
from issues.querysets import OPEN_STATUSES, overdue_on
from roundtable.lib.periods import Period, day_start
from roundtable.workdays import services as workdays

Status = Issue.Status
Satisfaction = Issue.Satisfaction
SATISFIED = [Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED]

__all__ = ["overdue_on"]


def accept_within() -> int:
    """Working days a department has to accept an assignment (settings.ROUNDTABLE)."""
    return settings.ROUNDTABLE["ACCEPT_WITHIN_WORKING_DAYS"]


# --- Definitions: the issues behind each figure -------------------------------------------
#
# Q objects over Issue. The ledger filters (issues/filters.py) use these same functions.


def raised_in(period: Period) -> Q:
    """Issues raised: ``raised_on`` in the period."""
    return Q(raised_on__gte=period.start, raised_on__lte=period.end)


def concluded_in(period: Period) -> Q:
    """Issues concluded: ``concluded_on`` (the day the lead department reported the
    conclusion) in the period, whether or not commerce staff have verified it since.
    Reopening clears ``concluded_on``, so a reopened issue counts again only when it is
    concluded again."""
    return Q(concluded_on__gte=period.start, concluded_on__lte=period.end)


# Concluded by the deadline in force: ``Issue.deadline`` is the deadline after any granted
# extension (and after a reassignment that set a new one). An issue without a deadline cannot
# have been on time; the lifecycle never concludes one.
ON_TIME = Q(concluded_on__isnull=False, deadline__isnull=False, concluded_on__lte=F("deadline"))
LATE = Q(concluded_on__isnull=False) & (
    Q(deadline__isnull=True) | Q(concluded_on__gt=F("deadline"))
)


def on_time_in(period: Period) -> Q:
    return concluded_in(period) & ON_TIME


def late_in(period: Period) -> Q:
    return concluded_in(period) & LATE


def resolved_in(period: Period) -> Q:
    """Resolution: of the issues raised in the period, those closed now (verified by commerce
    staff; a reopened issue is not closed)."""
    return raised_in(period) & Q(status=Status.CLOSED)


def open_now() -> Q:
    """Open now: every status but closed (a reported conclusion awaiting verification is
    still open)."""
    return Q(status__in=OPEN_STATUSES)


def closed_in(period: Period) -> Q:
    """Closed (verified) in the period: ``closed_at`` on one of its days."""
    return Q(status=Status.CLOSED, closed_at__gte=period.start_at, closed_at__lt=period.end_before)


def _reopenings(period: Period | None = None, *, after: dt.datetime | None = None):
    updates = ActionUpdate.objects.filter(issue=OuterRef("pk"), kind=ActionUpdate.Kind.REOPENED)
    if period is not None:
        updates = updates.filter(created_at__gte=period.start_at, created_at__lt=period.end_before)
    if after is not None:
        updates = updates.filter(created_at__gte=after)
    return updates


def found_dissatisfied_in(period: Period) -> Q:
    """Rated dissatisfied in the period. A dissatisfied enterprise does not let an issue
    close: verification reopens it and keeps the rating, so the day of the rating is the day
    of the issue's last reopening (a later reopening by staff clears the rating)."""
    return (
        Q(satisfaction=Satisfaction.DISSATISFIED)
        & ~Q(status=Status.CLOSED)
        & Exists(_reopenings(period))
        & ~Exists(_reopenings(after=period.end_before))
    )


def rated_in(period: Period) -> Q:
    """Rated in the period: closed in it with the enterprise's rating, or found dissatisfied
    in it. Each issue counts with its latest rating only."""
    return (closed_in(period) & ~Q(satisfaction="")) | found_dissatisfied_in(period)


def rated_by_enterprise_in(period: Period) -> Q:
    """Rated in the period by the enterprise itself, on the portal (``satisfaction_by``);
    the rest of ``rated_in`` was recorded by commerce staff on its behalf, or before the
    portal existed (blank)."""
    return rated_in(period) & Q(satisfaction_by=Issue.RatedBy.ENTERPRISE)


def rated_by_staff_in(period: Period) -> Q:
    """Rated in the period by commerce staff on the enterprise's behalf (over the phone)."""
    return rated_in(period) & ~Q(satisfaction_by=Issue.RatedBy.ENTERPRISE)


def satisfied_in(period: Period) -> Q:
    """Rated in the period as satisfied or basically satisfied."""
    return closed_in(period) & Q(satisfaction__in=SATISFIED)


def reopened_in(period: Period) -> Q:
    """Reopened: issues reopened at least once during the period (a "reopened" entry on their
    timeline dated in it), whatever their state now. Counted once per issue."""
    return Exists(_reopenings(period))


def escalated_now() -> Q:
    """Escalated: issues escalated to the chair (``escalated_on``, set by issues/escalation.py)
    whose escalation still stands: still being handled (assigned or in progress), and not
    given a later deadline since (the escalation came after the deadline). The same rule as
    the chair's home page."""
    return Q(
        escalated_on__isnull=False,
        escalated_on__gt=F("deadline"),
        status__in=[Status.ASSIGNED, Status.IN_PROGRESS],
    )


def instruction_pending() -> Q:
    """Open issues with a chair's instruction (批示) that no progress update or reported
    conclusion has followed yet."""
    answered = ActionUpdate.objects.filter(
        issue=OuterRef("issue"),
        kind__in=[ActionUpdate.Kind.PROGRESS, ActionUpdate.Kind.CONCLUSION],
        created_at__gt=OuterRef("created_at"),
    )
    unanswered = (
        ActionUpdate.objects.filter(kind=ActionUpdate.Kind.INSTRUCTION)
        .filter(~Exists(answered))
        .values("issue_id")
    )
    return open_now() & Q(pk__in=unanswered)


# --- What a change touches ---------------------------------------------------------------


@dataclass(frozen=True)
class Touch:
    """What the figures count an issue by: ``days``, ``departments`` and ``facts``."""

    days: list[date]
    departments: list[int | None]
    facts: tuple


# Every field of an issue is a fact the figures may read, but these two: a change that moves
# only them (a progress note, an instruction) adds to the timeline and changes no fact. (The
# other enterprises an issue concerns, many-to-many, are no figure's.)
NOT_FACTS = ("version", "updated_at")


def touched(issue: Issue) -> Touch:
    """The days and departments by which the figures above count ``issue``, and its facts:
    the day it was raised, concluded and closed, its current lead department, and today (the
    day of whatever a change records: a reopening, a rating). A change of the issue calls this
    before and after (issues/services/base.py), and roundtable/lib/ledger_version.py turns the
    result into the cached figures it can change. Its deadline is not among the days: it
    counts in the figures of the present (overdue) and through the day of the conclusion (on
    time). A dissatisfied enterprise's rating counts on the day of the last reopening (one
    query, for those issues only)."""
    closed_on = timezone.localdate(issue.closed_at) if issue.closed_at else None
    days = [issue.raised_on, issue.concluded_on, closed_on, timezone.localdate()]
    if issue.pk and issue.satisfaction == Satisfaction.DISSATISFIED:
        reopened = (
            ActionUpdate.objects.filter(issue=issue, kind=ActionUpdate.Kind.REOPENED)
            .order_by("-created_at")
            .values_list("created_at", flat=True)
            .first()
        )
        days.append(timezone.localdate(reopened) if reopened else None)
    facts = tuple(
        getattr(issue, f.attname) for f in Issue._meta.concrete_fields if f.name not in NOT_FACTS
    )
    return Touch([day for day in days if day is not None], [issue.lead_department_id], facts)


def touched_by_assignment(assignment: Assignment) -> Touch:
    """The day and department by which the response figures count ``assignment``: the day
    it was made, its department."""
    return Touch([timezone.localdate(assignment.assigned_at)], [assignment.department_id], ())


# --- Response: accepted within the window -------------------------------------------------


def _response_runs(period: Period) -> list[tuple[date, date, date]]:
    """(first day, last day, last working day to accept) for runs of consecutive days with
    the same acceptance deadline: a Friday's, Saturday's and Sunday's assignments are all due
    by Tuesday."""
    runs: list[list] = []
    within = accept_within()
    for day in period.days():
        limit = workdays.add_working_days(day, within)
        if runs and runs[-1][2] == limit:
            runs[-1][1] = day
        else:
            runs.append([day, day, limit])
    return [tuple(run) for run in runs]


class _AcceptBy(Expression):
    """A balanced tree of ``CASE`` over runs of days, written as SQL text: ``runs`` is
    ((first moment of the run, moment by which its assignments had to be accepted), ...),
    in order. Django's own ``Case`` and ``When`` would build, copy and hash a hundred-odd
    nested expressions for every query (25 ms a dashboard); this is one expression over
    one column."""

    def __init__(self, field_name: str, runs: tuple):
        super().__init__(output_field=DateTimeField())
        self.column, self.runs = F(field_name), runs

    def get_source_expressions(self):
        return [self.column]

    def set_source_expressions(self, exprs):
        (self.column,) = exprs

    def as_sql(self, compiler, connection):
        column, column_params = compiler.compile(self.column)
        prep = self.output_field.get_db_prep_value
        sql_params: list = []

        def tree(runs) -> str:
            if len(runs) == 1:
                sql_params.append(prep(runs[0][1], connection))
                return "%s"
            middle = len(runs) // 2
            sql_params.extend(column_params)
            sql_params.append(prep(runs[middle][0], connection))
            low = tree(runs[:middle])
            high = tree(runs[middle:])
            return f"CASE WHEN {column} < %s THEN {low} ELSE {high} END"

        sql = tree(self.runs)
        return sql, sql_params


def _accept_by(period: Period, *, field_name: str = "assigned_at"):
    """Per assignment: the moment by which it had to be accepted (midnight after the
    window's last working day), from the local day it was assigned. Valid for assignments
    made in ``period``. A balanced tree over the period's sixty-odd runs of days with the
    same deadline: about six comparisons per row."""
    runs = tuple(
        (day_start(first), day_start(limit + timedelta(days=1)))
        for first, _last, limit in _response_runs(period)
    )
    return _AcceptBy(field_name, runs)


def _window_closed_before(period: Period, today: date) -> dt.datetime:
    """Assignments made before this moment have had their whole window by ``today``."""
    for first, _last, limit in _response_runs(period):
        if limit >= today:
            return day_start(first)
    return period.end_before


def lead_assignments(period: Period):
    """Current lead assignments made in the period: one per issue at most."""
    return Assignment.objects.current().filter(
        role=Assignment.Role.LEAD,
        assigned_at__gte=period.start_at,
        assigned_at__lt=period.end_before,
    )


def response_due(period: Period, today: date) -> Q:
    """Over lead assignments made in the period: those that have been answered, or whose
    acceptance window has ended by today. An assignment still inside its window is not yet
    counted either way."""
    return Q(responded_at__isnull=False) | Q(assigned_at__lt=_window_closed_before(period, today))


def responded_in_time(period: Period) -> Q:
    """Over lead assignments made in the period: accepted (not returned) within
    ``ACCEPT_WITHIN_WORKING_DAYS`` working days of the day it was assigned."""
    return (
        Q(responded_at__isnull=False)
        & ~Q(status=Assignment.Status.RETURNED)
        & Q(responded_at__lt=_accept_by(period))
    )


def response_assignments(period: Period, which: str, today: date):
    """``which`` is "due" (the denominator) or "in_time" (the numerator)."""
    qs = lead_assignments(period)
    if which == "in_time":
        return qs.filter(responded_in_time(period))
    return qs.filter(response_due(period, today))


def response_issues(period: Period, which: str, today: date) -> Q:
    """The issues behind the response figures: those whose current lead assignment counts."""
    return Exists(response_assignments(period, which, today).filter(issue=OuterRef("pk")))
