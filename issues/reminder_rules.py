"""Issues' reminder rules (see ``roundtable/lib/reminders.py``): an assignment not accepted,
a deadline ahead, overdue and escalated issues, issues with no update, and the weekly
supervision digest. Each reads the database alone, in a constant number of queries; the
settings they follow are described in ``roundtable/notifications/reminders.py``.

``roundtable.notifications`` imports this module when it starts, which registers the rules.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta

from django.db.models import Max, Q
from django.utils import timezone

from issues.escalation import escalation_cutoff
from issues.models import ActionUpdate, Assignment, Issue
from roundtable.lib.i18n import BilingualName
from roundtable.lib.phrases import Phrase
from roundtable.lib.reminders import (
    ReminderKind,
    ReminderSpec,
    day_start,
    register,
    setting,
    spec,
)
from roundtable.workdays.table import first_working_day_of_week

Status = Issue.Status
HANDLED = (Status.ASSIGNED, Status.IN_PROGRESS)  # being handled by a department


def _acceptance(today, table, people) -> Iterable[ReminderSpec]:
    limit = setting("ACCEPT_WITHIN_WORKING_DAYS")
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
            reason = Phrase(f"why.acceptance.{role}", department=dept, days=limit)
            for user_id in users:
                yield spec(
                    ReminderKind.ACCEPTANCE,
                    f"issue:{issue_id}",
                    user_id,
                    due,
                    reason,
                    issue_id=issue_id,
                )


def _deadlines(today, table, people) -> Iterable[ReminderSpec]:
    days_before = sorted(set(setting("DEADLINE_REMINDER_DAYS")), reverse=True)
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
                    yield spec(
                        ReminderKind.DEADLINE,
                        subject,
                        responsible_id,
                        due,
                        Phrase("why.deadline.responsible"),
                        issue_id=issue_id,
                    )
                for user_id in people.liaisons.get(dept_id, ()):
                    yield spec(
                        ReminderKind.DEADLINE,
                        subject,
                        user_id,
                        due,
                        Phrase("why.deadline.liaison", department=dept),
                        issue_id=issue_id,
                    )
            continue

        # Overdue: every working day while it stays so.
        if responsible_id:
            yield spec(
                ReminderKind.OVERDUE,
                subject,
                responsible_id,
                today,
                Phrase("why.overdue.responsible"),
                issue_id=issue_id,
            )
        head_reason = Phrase("why.overdue.head", department=dept)
        for user_id in people.heads.get(dept_id, ()):
            yield spec(
                ReminderKind.OVERDUE, subject, user_id, today, head_reason, issue_id=issue_id
            )
        if monitor_id:
            yield spec(
                ReminderKind.OVERDUE,
                subject,
                monitor_id,
                today,
                Phrase("why.overdue.monitor"),
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
        limit = setting("ESCALATE_AFTER_WORKING_DAYS")
        reason = Phrase("why.escalated.head", department=dept, days=limit)
        for user_id in people.heads.get(dept_id, ()):
            yield spec(
                ReminderKind.ESCALATED, subject, user_id, escalated, reason, issue_id=issue_id
            )


def _no_update(today, table, people) -> Iterable[ReminderSpec]:
    quiet = setting("STALE_AFTER_WORKING_DAYS")
    if quiet <= 0:
        return
    # The last timeline entry on or before this day means `quiet` working days without one.
    boundary = day_start(table.add(today, -quiet) + timedelta(days=1))
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
        yield spec(
            ReminderKind.NO_UPDATE,
            f"issue:{issue_id}",
            monitor_id,
            table.add(last_day, quiet * periods),
            Phrase("why.no_update.monitor", days=quiet),
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
    headed: dict[int, list[BilingualName]] = defaultdict(list)
    for dept_id in sorted(set(departments)):
        for user_id in people.heads.get(dept_id, ()):
            headed[user_id].append(people.departments.get(dept_id, BilingualName("", "")))
    for user_id in sorted(monitors | set(headed)):
        names = headed.get(user_id, [])
        if user_id in monitors and names:
            reason = Phrase("why.digest.monitor_head", department=names)
        elif names:
            reason = Phrase("why.digest.head", department=names)
        else:
            reason = Phrase("why.digest.monitor")
        yield spec(ReminderKind.DIGEST, f"user:{user_id}", user_id, first, reason)


register(_acceptance, order=10)
register(_deadlines, order=20)
register(_no_update, order=30)
register(_digests, order=40)
