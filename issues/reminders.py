"""Reminders and escalation: who must be told what today.

``reminders_due(today=...)`` decides from the database alone, with a constant number of
set-based queries, which reminders are due on a day. Each reminder has a key (subject, kind,
recipient, due day) that is unique in ``ReminderLog``; ``issues/delivery.py`` claims a reminder
by inserting that row, so a rerun, a duplicated task or a second worker sends nothing twice, and
a run that was missed is caught up by the next one: one-off reminders are keyed by the day they
were due to go (a deadline's "3 working days before", an assignment's acceptance limit), and are
due on every working day from then on until one run has sent them.

Reminders go out on working days only (China's calendar, ``roundtable.workdays``), from
``ROUNDTABLE["REMINDER_HOUR"]`` in TIME_ZONE (Asia/Shanghai). The rules, with their settings:

* an assignment still pending more than ACCEPT_WITHIN_WORKING_DAYS working days after it was
  made: the department's liaisons and heads, once;
* each of DEADLINE_REMINDER_DAYS working days before the deadline: the lead's responsible
  person and the lead department's liaisons, once each (skipped when the deadline has passed:
  the overdue reminder takes over);
* overdue: the responsible person, the lead department's heads and the monitor, every working
  day while it stays overdue. A day the run missed is not made up later: the next day's reminder
  says the same thing with a larger number;
* overdue by more than ESCALATE_AFTER_WORKING_DAYS working days: escalated (``Issue.escalated_on``,
  an "escalated" timeline entry, the chair's attention list) and a notice to the lead
  department's heads, once per deadline;
* no timeline entry for STALE_AFTER_WORKING_DAYS working days on an issue being handled: the
  monitor, again every STALE_AFTER_WORKING_DAYS working days while it stays quiet;
* a weekly supervision digest to each monitor and department head, keyed by the first working
  day of the week (so a week whose Monday is a holiday gets it on its first working day);
* an enterprise with no service visit within its visit interval: its designated official, again
  every interval while no visit is recorded;
* meetings, to commerce staff: intake closing in INTAKE_CLOSING_REMINDER_WORKING_DAYS working
  days, the meeting on the next working day, minutes unpublished MINUTES_DUE_WORKING_DAYS
  working days after the meeting, and QUARTER_END_WARNING_WORKING_DAYS working days before a
  quarter ends with no roundtable meeting in it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.db.models import Count, F, Max, Q
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from departments.models import Department, DepartmentMembership
from issues.models import ActionUpdate, Assignment, Issue
from roundtable.accounts.models import Role, User
from roundtable.enterprises.models import Enterprise
from roundtable.lib.i18n import prefers_chinese
from roundtable.meetings.models import Meeting, Roundtable
from roundtable.workdays import services as workdays

logger = logging.getLogger(__name__)

Status = Issue.Status
HANDLED = (Status.ASSIGNED, Status.IN_PROGRESS)  # being handled by a department
NOT_CANCELLED = [s for s in Meeting.Status.values if s != Meeting.Status.CANCELLED]


class ReminderKind(models.TextChoices):
    ACCEPTANCE = "acceptance_overdue", _("Assignment not accepted")
    DEADLINE = "deadline_soon", _("Deadline ahead")
    OVERDUE = "overdue", _("Overdue")
    ESCALATED = "escalated", _("Escalated")
    NO_UPDATE = "no_update", _("No update")
    DIGEST = "weekly_digest", _("Weekly supervision digest")
    VISIT = "visit_due", _("Service visit due")
    INTAKE = "intake_closing", _("Meeting intake closing")
    MEETING = "meeting_tomorrow", _("Meeting on the next working day")
    MINUTES = "minutes_unpublished", _("Minutes unpublished")
    QUARTER = "quarter_no_roundtable", _("No roundtable this quarter")
    NOTIFICATION = "notification", _("Notification")


def _rule(name: str):
    return settings.ROUNDTABLE[name]


@dataclass(frozen=True)
class ReminderSpec:
    """One reminder due to one person. ``reason`` is lazy text, rendered in the recipient's
    language when the reminder is claimed; ``key`` is ReminderLog's unique key."""

    kind: str
    subject_key: str
    recipient_id: int
    due_on: date
    reason: object = field(compare=False)
    issue_id: int | None = None
    meeting_id: int | None = None

    @property
    def key(self) -> tuple[str, str, int, date]:
        return (self.subject_key, self.kind, self.recipient_id, self.due_on)


class _Name:
    """A department's or enterprise's name that follows the active language when rendered."""

    def __init__(self, zh: str, en: str):
        self.zh, self.en = zh, en

    def __str__(self) -> str:
        first, second = (self.zh, self.en) if prefers_chinese() else (self.en, self.zh)
        return first or second


class _Names:
    """Several names, joined in the active language's way."""

    def __init__(self, names: list):
        self.names = names

    def __bool__(self) -> bool:
        return bool(self.names)

    def __str__(self) -> str:
        return ("、" if prefers_chinese() else ", ").join(str(name) for name in self.names)


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


def quarter_bounds(day: date) -> tuple[date, date, int]:
    q = (day.month - 1) // 3 + 1
    start = date(day.year, 3 * q - 2, 1)
    end = date(day.year + 1, 1, 1) if q == 4 else date(day.year, 3 * q + 1, 1)
    return start, end - timedelta(days=1), q


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class _People:
    """Who holds which seat today: three small queries shared by every rule."""

    def __init__(self, today: date):
        self.active = set(User.objects.filter(is_active=True).values_list("pk", flat=True))
        self.liaisons: dict[int, list[int]] = defaultdict(list)
        self.heads: dict[int, list[int]] = defaultdict(list)
        for dept_id, user_id, role in (
            DepartmentMembership.objects.current(on=today)
            .order_by("department_id", "role", "user_id")
            .values_list("department_id", "user_id", "role")
        ):
            seats = self.heads if role == DepartmentMembership.Role.HEAD else self.liaisons
            if user_id not in seats[dept_id]:
                seats[dept_id].append(user_id)
        self.staff = list(
            User.objects.filter(groups__name=Role.COMMERCE_STAFF, is_active=True)
            .order_by("pk")
            .values_list("pk", flat=True)
            .distinct()
        )
        self.departments = {
            pk: _Name(zh, en)
            for pk, zh, en in Department.objects.values_list("pk", "name_zh", "name_en")
        }


def _spec(kind, subject_key, recipient_id, due_on, reason, *, issue_id=None, meeting_id=None):
    return ReminderSpec(
        kind=kind,
        subject_key=subject_key,
        recipient_id=recipient_id,
        due_on=due_on,
        reason=reason,
        issue_id=issue_id,
        meeting_id=meeting_id,
    )


# --- The rules ------------------------------------------------------------------------------


def _acceptance(today, table, people) -> Iterable[ReminderSpec]:
    limit = _rule("ACCEPT_WITHIN_WORKING_DAYS")
    pending = (
        Assignment.objects.current()
        .filter(status=Assignment.Status.PENDING, issue__status__in=HANDLED)
        .values_list("issue_id", "department_id", "assigned_at")
    )
    for issue_id, dept_id, assigned_at in pending:
        # Not accepted within N working days: due on the working day after the N-th.
        due = table.add(timezone.localdate(assigned_at), limit + 1)
        if due > today:
            continue
        dept = people.departments.get(dept_id, "")
        for role, users in (("liaison", people.liaisons[dept_id]), ("head", people.heads[dept_id])):
            reason = (
                format_lazy(
                    ngettext_lazy(
                        "You are the liaison of {department}, which has not accepted this "
                        "assignment within {days} working day.",
                        "You are the liaison of {department}, which has not accepted this "
                        "assignment within {days} working days.",
                        limit,
                    ),
                    department=dept,
                    days=limit,
                )
                if role == "liaison"
                else format_lazy(
                    ngettext_lazy(
                        "You head {department}, which has not accepted this assignment within "
                        "{days} working day.",
                        "You head {department}, which has not accepted this assignment within "
                        "{days} working days.",
                        limit,
                    ),
                    department=dept,
                    days=limit,
                )
            )
            for user_id in users:
                yield _spec(
                    ReminderKind.ACCEPTANCE,
                    f"issue:{issue_id}",
                    user_id,
                    due,
                    reason,
                    issue_id=issue_id,
                )


def escalation_cutoff(today: date, table: WorkdayTable | None = None) -> date:
    """Issues whose deadline is before this day are overdue by more than
    ESCALATE_AFTER_WORKING_DAYS working days on ``today`` (a working day)."""
    n = _rule("ESCALATE_AFTER_WORKING_DAYS")
    return table.add(today, -n) if table else workdays.add_working_days(today, -n)


def _deadlines(today, table, people) -> Iterable[ReminderSpec]:
    days_before = sorted(set(_rule("DEADLINE_REMINDER_DAYS")), reverse=True)
    horizon = table.add(today, max(days_before, default=0))
    issues = Issue.objects.filter(
        status__in=HANDLED, deadline__isnull=False, deadline__lte=horizon
    ).values_list("pk", "deadline", "monitor_id", "escalated_on")
    leads = {
        issue_id: (dept_id, responsible_id, assigned_at)
        for issue_id, dept_id, responsible_id, assigned_at in Assignment.objects.current()
        .filter(
            role=Assignment.Role.LEAD,
            issue__status__in=HANDLED,
            issue__deadline__isnull=False,
            issue__deadline__lte=horizon,
        )
        .values_list("issue_id", "department_id", "responsible_person_id", "assigned_at")
    }
    cutoff = escalation_cutoff(today, table)
    for issue_id, deadline, monitor_id, escalated_on in issues:
        dept_id, responsible_id, assigned_at = leads.get(issue_id, (None, None, None))
        dept = people.departments.get(dept_id, "")
        subject = f"issue:{issue_id}"
        if deadline >= today:
            assigned_day = timezone.localdate(assigned_at) if assigned_at else None
            for n in days_before:
                due = table.add(deadline, -n)
                # Not before the issue reached the department: a deadline set two working
                # days out gets its "1 day before" reminder, not a late "3 days before".
                if due > today or (assigned_day and due < assigned_day):
                    continue
                if responsible_id:
                    yield _spec(
                        ReminderKind.DEADLINE,
                        subject,
                        responsible_id,
                        due,
                        _("You are the person responsible for this issue."),
                        issue_id=issue_id,
                    )
                for user_id in people.liaisons.get(dept_id, ()):
                    yield _spec(
                        ReminderKind.DEADLINE,
                        subject,
                        user_id,
                        due,
                        format_lazy(
                            _("You are the liaison of {department}, the lead department."),
                            department=dept,
                        ),
                        issue_id=issue_id,
                    )
            continue

        # Overdue: every working day while it stays so.
        if responsible_id:
            yield _spec(
                ReminderKind.OVERDUE,
                subject,
                responsible_id,
                today,
                _("You are the person responsible for this overdue issue."),
                issue_id=issue_id,
            )
        head_reason = format_lazy(
            _("You head {department}, the lead department of this overdue issue."),
            department=dept,
        )
        for user_id in people.heads.get(dept_id, ()):
            yield _spec(
                ReminderKind.OVERDUE, subject, user_id, today, head_reason, issue_id=issue_id
            )
        if monitor_id:
            yield _spec(
                ReminderKind.OVERDUE,
                subject,
                monitor_id,
                today,
                _("You are the monitor of this overdue issue."),
                issue_id=issue_id,
            )

        # Escalation concerns the current deadline: one escalated after it is settled; one
        # escalated on or before it (the deadline was extended since) may escalate again.
        if escalated_on is not None and escalated_on > deadline:
            escalated = escalated_on
        elif deadline < cutoff:
            escalated = today  # escalated by today's run (issues_escalate) before sending
        else:
            continue
        limit = _rule("ESCALATE_AFTER_WORKING_DAYS")
        reason = format_lazy(
            ngettext_lazy(
                "You head {department}, the lead department; the issue is overdue by more "
                "than {days} working day and is on the chairperson's attention list.",
                "You head {department}, the lead department; the issue is overdue by more "
                "than {days} working days and is on the chairperson's attention list.",
                limit,
            ),
            department=dept,
            days=limit,
        )
        for user_id in people.heads.get(dept_id, ()):
            yield _spec(
                ReminderKind.ESCALATED, subject, user_id, escalated, reason, issue_id=issue_id
            )


def _no_update(today, table, people) -> Iterable[ReminderSpec]:
    quiet = _rule("STALE_AFTER_WORKING_DAYS")
    if quiet <= 0:
        return
    # The last timeline entry on or before this day means `quiet` working days without one.
    boundary = _day_start(table.add(today, -quiet) + timedelta(days=1))
    # Escalation is the system's own entry, not a sign of life from the department.
    activity = Q(
        updates__kind__in=[k for k in ActionUpdate.Kind.values if k != ActionUpdate.Kind.ESCALATED]
    )
    rows = (
        Issue.objects.filter(status__in=HANDLED, monitor__isnull=False)
        .annotate(last_update=Max("updates__created_at", filter=activity))
        .filter(last_update__lt=boundary)
        .values_list("pk", "monitor_id", "last_update")
    )
    for issue_id, monitor_id, last_update in rows:
        last_day = timezone.localdate(last_update)
        periods = table.between(last_day, today) // quiet
        if periods < 1:
            continue
        yield _spec(
            ReminderKind.NO_UPDATE,
            f"issue:{issue_id}",
            monitor_id,
            table.add(last_day, quiet * periods),
            format_lazy(
                ngettext_lazy(
                    "You are the monitor of this issue, which has had no update for {days} "
                    "working day.",
                    "You are the monitor of this issue, which has had no update for {days} "
                    "working days.",
                    quiet,
                ),
                days=quiet,
            ),
            issue_id=issue_id,
        )


def _digests(today, table, people) -> Iterable[ReminderSpec]:
    first = first_working_day_of_week(today)
    if first is None or first > today:
        return
    monitors = set(
        Issue.objects.exclude(status=Status.CLOSED)
        .filter(monitor__isnull=False)
        .values_list("monitor_id", flat=True)
        .distinct()
    )
    departments = (
        Assignment.objects.current()
        .exclude(issue__status=Status.CLOSED)
        .values_list("department_id", flat=True)
        .distinct()
    )
    # One digest per person, whatever seats they hold: its reason names all of them.
    headed: dict[int, list[_Name]] = defaultdict(list)
    for dept_id in sorted(set(departments)):
        for user_id in people.heads.get(dept_id, ()):
            headed[user_id].append(people.departments.get(dept_id, _Name("", "")))
    for user_id in sorted(monitors | set(headed)):
        names = _Names(headed.get(user_id, []))
        if user_id in monitors and names:
            reason = format_lazy(
                _(
                    "You monitor open issues and head {department}: this is your weekly "
                    "supervision digest."
                ),
                department=names,
            )
        elif names:
            reason = format_lazy(
                _("You head {department}: this is your weekly supervision digest."),
                department=names,
            )
        else:
            reason = _(
                "You are the monitor of open issues: this is your weekly supervision digest."
            )
        yield _spec(ReminderKind.DIGEST, f"user:{user_id}", user_id, first, reason)


def _visits(today, table, people) -> Iterable[ReminderSpec]:
    visit = Q(
        meeting_participations__meeting__kind__in=[
            Meeting.Kind.ONE_ON_ONE,
            Meeting.Kind.ONE_ON_SEVERAL,
        ],
        meeting_participations__meeting__status__in=NOT_CANCELLED,
        meeting_participations__meeting__starts_at__lt=_day_start(today + timedelta(days=1)),
    )
    rows = (
        Enterprise.objects.filter(
            is_active=True, designated_official__isnull=False, visit_interval_days__gt=0
        )
        .annotate(last_visit=Max("meeting_participations__meeting__starts_at", filter=visit))
        .values_list(
            "pk", "designated_official_id", "visit_interval_days", "last_visit", "created_at"
        )
    )
    for pk, official_id, interval, last_visit, created_at in rows:
        base = timezone.localdate(last_visit or created_at)
        periods = (today - base).days // interval
        if periods < 1:
            continue
        yield _spec(
            ReminderKind.VISIT,
            f"enterprise:{pk}",
            official_id,
            base + timedelta(days=interval * periods),
            format_lazy(
                ngettext_lazy(
                    "You are this enterprise's designated official; it has had no service "
                    "visit for {days} day.",
                    "You are this enterprise's designated official; it has had no service "
                    "visit for {days} days.",
                    interval,
                ),
                days=interval,
            ),
        )


def _meetings(today, table, people) -> Iterable[ReminderSpec]:
    if not people.staff:
        return
    open_statuses = [Meeting.Status.PLANNED, Meeting.Status.INTAKE_OPEN]
    minutes_kinds = [
        Meeting.Kind.QUARTERLY_ROUNDTABLE,
        Meeting.Kind.ON_SPOT,
        Meeting.Kind.INDUSTRY_EXCHANGE,
    ]
    ahead = today + timedelta(days=31)
    rows = (
        Meeting.objects.exclude(status=Meeting.Status.CANCELLED)
        .filter(
            Q(status__in=open_statuses, intake_closes_on__gte=today, intake_closes_on__lte=ahead)
            | Q(
                status__in=open_statuses,
                starts_at__gte=_day_start(today + timedelta(days=1)),
                starts_at__lt=_day_start(ahead),
            )
            | Q(
                kind__in=minutes_kinds,
                minutes_published_at__isnull=True,
                starts_at__lt=_day_start(today),
            )
            & ~Q(status=Meeting.Status.MINUTES_PUBLISHED)
        )
        .values_list(
            "pk", "kind", "status", "starts_at", "intake_closes_on", "minutes_published_at"
        )
    )
    intake_days = _rule("INTAKE_CLOSING_REMINDER_WORKING_DAYS")
    minutes_days = _rule("MINUTES_DUE_WORKING_DAYS")
    for pk, kind, status, starts_at, closes_on, published_at in rows:
        day = timezone.localdate(starts_at)
        subject = f"meeting:{pk}"
        found = []
        if status in open_statuses and closes_on and closes_on >= today:
            due = table.add(closes_on, -intake_days)
            if due <= today:
                found.append(
                    (ReminderKind.INTAKE, due, _("You are commerce staff: the intake closes soon."))
                )
        if status in open_statuses and day > today:
            due = table.add(day, -1)
            if due <= today:
                found.append(
                    (
                        ReminderKind.MEETING,
                        due,
                        _("You are commerce staff: the meeting is on the next working day."),
                    )
                )
        if kind in minutes_kinds and published_at is None and day < today:
            due = table.add(day, minutes_days)
            if due <= today and status != Meeting.Status.MINUTES_PUBLISHED:
                found.append(
                    (
                        ReminderKind.MINUTES,
                        due,
                        format_lazy(
                            ngettext_lazy(
                                "You are commerce staff: the minutes are still unpublished "
                                "{days} working day after the meeting.",
                                "You are commerce staff: the minutes are still unpublished "
                                "{days} working days after the meeting.",
                                minutes_days,
                            ),
                            days=minutes_days,
                        ),
                    )
                )
        for kind_, due, reason in found:
            for user_id in people.staff:
                yield _spec(kind_, subject, user_id, due, reason, meeting_id=pk)

    start, end, quarter = quarter_bounds(today)
    due = table.add(end, -_rule("QUARTER_END_WARNING_WORKING_DAYS"))
    if not due <= today <= end:
        return
    in_quarter = Q(
        meetings__kind=Meeting.Kind.QUARTERLY_ROUNDTABLE,
        meetings__status__in=NOT_CANCELLED,
        meetings__starts_at__gte=_day_start(start),
        meetings__starts_at__lt=_day_start(end + timedelta(days=1)),
    )
    roundtables = (
        Roundtable.objects.filter(cadence=Roundtable.Cadence.QUARTERLY)
        .annotate(held=Count("meetings", filter=in_quarter))
        .filter(held=0)
        .values_list("pk", flat=True)
    )
    for pk in roundtables:
        for user_id in people.staff:
            yield _spec(
                ReminderKind.QUARTER,
                f"roundtable:{pk}:{today.year}Q{quarter}",
                user_id,
                due,
                format_lazy(
                    _(
                        "You are commerce staff: the quarter ends on {end} and no roundtable "
                        "meeting is planned or held in it."
                    ),
                    end=end.isoformat(),
                ),
            )


RULES = (_acceptance, _deadlines, _no_update, _digests, _visits, _meetings)


def reminders_due(*, today: date) -> list[ReminderSpec]:
    """Every reminder due on ``today``, one per key, for active recipients; none on a day
    that is not a working day. Reads only: about fifteen queries whatever the number of issues
    (plus one per calendar year not yet cached). Keys already in the log are filtered out by
    the claim, not here."""
    if not workdays.is_working_day(today):
        return []
    table = WorkdayTable(today - timedelta(days=400), today + timedelta(days=400))
    people = _People(today)
    specs: dict[tuple, ReminderSpec] = {}
    for rule in RULES:
        for spec in rule(today, table, people):
            if spec.recipient_id in people.active and spec.due_on <= today:
                specs.setdefault(spec.key, spec)
    return list(specs.values())


# --- What the log must keep ---------------------------------------------------------------

# The exactly-once claim is the log row: once it is gone, a rule that yields the same key again
# sends again. Most rules yield keys dated within a short window before today, and a purge of
# rows older than this many days can never meet them: deadline reminders (at most
# max(DEADLINE_REMINDER_DAYS) working days back), overdue (today), no update (less than
# STALE_AFTER_WORKING_DAYS working days), the weekly digest (this week), intake and meeting
# reminders (the event is still ahead), the quarter warning (this quarter) and notification
# e-mails (NOTIFICATION_EMAIL_MAX_AGE_HOURS). ``log_rows_still_needed`` covers the others.
MIN_LOG_RETENTION_DAYS = 120


def log_rows_still_needed(*, today: date) -> Q:
    """The reminder-log rows that a rule can still yield again, whatever their age: those
    kinds keep the date they were first due while their condition lasts, and a condition can
    come back (an issue reopened years later is overdue and escalated again, under the same
    ``escalated_on``). A purge must keep them, or the reminder goes out a second time.

    * acceptance: due a fixed number of working days after ``assigned_at``, for as long as the
      assignment stays pending: kept while the issue has a pending current assignment;
    * escalated: due on ``Issue.escalated_on``: kept while that is still the row's day;
    * minutes unpublished: due a fixed time after the meeting: kept until they are published;
    * service visit: due within the enterprise's visit interval, which may be longer than
      the retention: kept while younger than the longest interval.
    """
    longest_visit = Enterprise.objects.aggregate(n=Max("visit_interval_days"))["n"] or 0
    return (
        Q(
            kind=ReminderKind.ACCEPTANCE,
            issue_id__in=Assignment.objects.current()
            .filter(status=Assignment.Status.PENDING)
            .values("issue_id"),
        )
        | Q(kind=ReminderKind.ESCALATED, issue__escalated_on=F("due_on"))
        | Q(
            kind=ReminderKind.MINUTES,
            meeting_id__in=Meeting.objects.filter(minutes_published_at__isnull=True).values("pk"),
        )
        | Q(kind=ReminderKind.VISIT, due_on__gt=today - timedelta(days=longest_visit))
    )


# --- Escalation ---------------------------------------------------------------------------


def issues_escalate(*, today: date) -> list[int]:
    """Escalate the issues overdue by more than ESCALATE_AFTER_WORKING_DAYS working days on
    ``today`` that are not yet escalated for their current deadline: set ``escalated_on``,
    add an "escalated" timeline entry and a history row (by the system, no user). Returns
    their ids. Idempotent: a second call on the same day finds nothing to do.

    Bulk writes in one transaction with the rows locked, so the cost does not grow per issue
    beyond the rows written. ``version`` is not bumped: escalation changes no field an editor
    can change, so an open edit form stays valid."""
    cutoff = escalation_cutoff(today)
    Status_ = Issue.Status
    with transaction.atomic():
        issues = list(
            Issue.objects.select_for_update()
            .filter(status__in=[Status_.ASSIGNED, Status_.IN_PROGRESS], deadline__lt=cutoff)
            .filter(Q(escalated_on__isnull=True) | Q(escalated_on__lte=F("deadline")))
            .order_by("pk")
        )
        if not issues:
            return []
        ids = [issue.pk for issue in issues]
        for start in range(0, len(ids), 1000):
            Issue.objects.filter(pk__in=ids[start : start + 1000]).update(escalated_on=today)
        limit = _rule("ESCALATE_AFTER_WORKING_DAYS")
        now = timezone.now()
        with translation.override(settings.LANGUAGE_CODE):
            for issue in issues:
                issue.escalated_on = today
            Issue.history.bulk_history_create(
                issues, batch_size=1000, update=True, default_change_reason="escalated"
            )
            ActionUpdate.objects.bulk_create(
                [
                    ActionUpdate(
                        issue=issue,
                        kind=ActionUpdate.Kind.ESCALATED,
                        created_at=now,
                        body=str(
                            format_lazy(
                                ngettext_lazy(
                                    "Overdue by more than {days} working day (deadline "
                                    "{deadline}): on the chairperson's attention list; the "
                                    "lead department's head was notified.",
                                    "Overdue by more than {days} working days (deadline "
                                    "{deadline}): on the chairperson's attention list; the "
                                    "lead department's head was notified.",
                                    limit,
                                ),
                                days=limit,
                                deadline=issue.deadline.isoformat(),
                            )
                        ),
                    )
                    for issue in issues
                ],
                batch_size=1000,
            )
    logger.info("escalated %d issues on %s", len(ids), today)
    return ids


# --- The daily run ------------------------------------------------------------------------


@dataclass
class RunReport:
    day: date
    skipped: str = ""
    escalated: int = 0
    due: int = 0
    specs: list[ReminderSpec] = field(default_factory=list)
    delivery: object = None

    def summary(self) -> str:
        if self.skipped:
            return f"{self.day}: nothing sent ({self.skipped})"
        parts = [f"{self.day}: {self.due} due", f"{self.escalated} escalated"]
        if self.delivery is not None:
            parts.append(self.delivery.summary())
        return ", ".join(parts)


def _done_key(day: date) -> str:
    # Named after the database too: two sites (or test runs) may share one Redis cache.
    from django.db import connection

    return f"reminders:done:{connection.settings_dict['NAME']}:{day.isoformat()}"


def reminders_run(
    *, now: datetime | None = None, day: date | None = None, dry_run: bool = False
) -> RunReport:
    """The daily run: escalate, work out what is due, claim it and send it.

    Without ``day`` it is the scheduled run at ``now``: nothing happens on a day that is not
    a working day or before REMINDER_HOUR. With ``day`` (the management command's --date, the
    task's argument) it runs for that day whatever the hour, and still never on a day off.
    ``dry_run`` only computes what is due: no escalation, no log rows, no e-mail."""
    from issues import delivery

    now = now or timezone.now()
    today = day or timezone.localdate(now)
    report = RunReport(day=today)
    if not workdays.is_working_day(today):
        report.skipped = "not a working day"
        return report
    if day is None and timezone.localtime(now).hour < _rule("REMINDER_HOUR"):
        report.skipped = f"before {_rule('REMINDER_HOUR'):02d}:00"
        return report
    if dry_run:
        report.specs = reminders_due(today=today)
        report.due = len(report.specs)
        return report
    report.escalated = len(issues_escalate(today=today))
    specs = reminders_due(today=today)
    report.due = len(specs)
    rows = delivery.reminders_claim(specs=specs, now=now)
    report.delivery = delivery.reminders_deliver(rows=rows, now=now)
    if day is None or day == timezone.localdate(now):
        _remember_done(today)
    logger.info("reminder run %s", report.summary())
    return report


def _remember_done(day: date) -> None:
    try:
        cache.set(_done_key(day), True, 36 * 3600)
    except Exception:  # the cache only saves work; the run itself is idempotent
        logger.warning("could not record the reminder run in the cache", exc_info=True)


def reminders_catch_up(*, now: datetime | None = None) -> RunReport | None:
    """Run today's reminders if today's run has not happened yet (beat or the worker was down
    at REMINDER_HOUR). Called every minute; costs one cache read once the day's run is done,
    and when the cache has forgotten (a restart), one more run that finds nothing new."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if not workdays.is_working_day(today) or timezone.localtime(now).hour < _rule("REMINDER_HOUR"):
        return None
    try:
        if cache.get(_done_key(today)):
            return None
    except Exception:
        logger.warning("cache unavailable; running the reminder catch-up anyway", exc_info=True)
    return reminders_run(now=now)
