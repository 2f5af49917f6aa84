"""Assigning an issue: lead and co-handling departments, accepting and returning."""

import copy
from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from departments.models import Department, DepartmentMembership
from issues import access, events
from issues.models import (
    ActionUpdate,
    Assignment,
    Issue,
)
from issues.services.base import (
    Status,
    TransitionRefused,
    _assignments_changed,
    _clean_text,
    _department_people,
    _figures_changed,
    _insert_new,
    _locked,
    _notify,
    _save,
    _save_assignment,
    _set_deadline,
    _staff_people,
    _timeline,
    _timeline_entry,
    _with_reason,
    _write_history,
)
from roundtable.accounts.models import User
from roundtable.lib import phrases
from roundtable.workdays import services as workdays
from roundtable.workdays.services import Deadline

RESPONSIBLE_NOT_IN_LEAD = gettext_lazy(
    "The responsible person must be a current head or liaison of the lead department."
)


def _assign(
    issue, *, actor, lead_department, co_departments, deadline, responsible_person, new_with=None
):
    """The same number of queries whatever the number of departments: the assignments that
    change are written in one statement each, their history rows in one more. ``new_with``:
    the other enterprises of an issue being logged (its reason set, its row not yet written),
    which is written here once, already assigned, with the history rows and timeline entries
    of both steps."""
    if responsible_person is not None and not DepartmentMembership.objects.holds_seat(
        responsible_person, lead_department
    ):
        # Reminders go to the responsible person, and only someone who reads the issue.
        raise TransitionRefused(RESPONSIBLE_NOT_IN_LEAD)
    new = new_with is not None
    co_departments = [d for d in dict.fromkeys(co_departments) if d != lead_department]
    wanted = {lead_department.pk: Assignment.Role.LEAD} | {
        d.pk: Assignment.Role.CO_HANDLING for d in co_departments
    }
    current = {} if new else {a.department_id: a for a in issue.assignments.current()}
    changed, created, kept = [], [], []
    # Retire assignments of departments no longer wanted, or whose role changed.
    for dept_id, assignment in current.items():
        if wanted.get(dept_id) != assignment.role:
            assignment.is_current = False
            changed.append(_with_reason(assignment, actor, "reassigned away"))
    for dept_id, role in wanted.items():
        existing = current.get(dept_id)
        if existing is not None and existing.role == role:
            if role == Assignment.Role.LEAD and responsible_person is not None:
                existing.responsible_person = responsible_person
                changed.append(_with_reason(existing, actor, "responsible person set"))
            kept.append(existing)
            continue
        assignment = Assignment(
            issue=issue,
            department_id=dept_id,
            role=role,
            responsible_person=responsible_person if role == Assignment.Role.LEAD else None,
        )
        created.append(_with_reason(assignment, actor, "assigned"))
    logged = copy.copy(issue) if new else None  # as it is logged, before it is assigned
    old_status = issue.status
    lead = next(a for a in (*kept, *created) if a.role == Assignment.Role.LEAD)
    if lead.status == Assignment.Status.PENDING:
        issue.status = Status.ASSIGNED
    deadline = workdays.as_deadline(deadline)
    _set_deadline(issue, deadline)
    issue.lead_department = lead_department
    if issue.original_deadline is None:
        issue.original_deadline = deadline.day
    if new:
        _insert_new(_with_reason(issue, actor, "assigned"), new_with, logged=logged)
        _figures_changed(issue)
        events.announce(events.CREATED, issue)
    else:
        _save(issue, actor, "assigned")
    # Retired first: a new lead may not exist beside the old one (one_current_lead_per_issue).
    if changed:
        Assignment.objects.bulk_update(changed, ["is_current", "responsible_person"])
    if created:
        Assignment.objects.bulk_create(created)  # their ids come back (PostgreSQL, SQLite)
    _write_history(Assignment, [*((a, "~") for a in changed), *((a, "+") for a in created)])
    _assignments_changed([*changed, *created])
    departments = {d.pk: d for d in (lead_department, *co_departments)}
    names = phrases.Phrase("timeline.assigned", departments=[departments[pk] for pk in wanted])
    entries = [_timeline_entry(logged, actor, ActionUpdate.Kind.LOGGED)] if new else []
    entries.append(
        _timeline_entry(
            issue, actor, ActionUpdate.Kind.ASSIGNED, phrase=names, old_status=old_status
        )
    )
    for entry in entries:
        entry.issue = issue  # the row written
    ActionUpdate.objects.bulk_create(entries)
    events.announce(events.ASSIGNED, issue)
    _notify(
        _department_people([a.department_id for a in created]),
        issue=issue,
        title="assigned",
        reason="assigned",
        actor=actor,
    )


def issue_assign(
    *,
    actor: User,
    issue: Issue,
    lead_department: Department,
    co_departments: Iterable[Department] = (),
    deadline: date | Deadline,
    responsible_person: User | None = None,
) -> Issue:
    """Assign or reassign. Departments dropped from the issue lose their access at once.
    A deadline in working days is a ``Deadline`` counted from today
    (``workdays.deadline_in_working_days``), not from the day the issue was raised."""
    access.check(access.can_assign(actor, issue))
    with transaction.atomic():
        current = _locked(issue)
        check_assignable(current)
        if workdays.as_deadline(deadline).day < current.raised_on:
            raise TransitionRefused(_("The deadline cannot be before the day it was raised."))
        _assign(
            current,
            actor=actor,
            lead_department=lead_department,
            co_departments=co_departments,
            deadline=deadline,
            responsible_person=responsible_person,
        )
    return current


def check_assignable(issue: Issue) -> None:
    """A concluded or closed issue keeps its departments; reopening it allows reassigning."""
    if issue.status in (Status.CONCLUSION_REPORTED, Status.CLOSED):
        raise TransitionRefused(
            _("A concluded or closed issue cannot be reassigned; reopen it first.")
        )


def assignment_accept(*, actor: User, assignment: Assignment) -> Assignment:
    access.check(access.can_respond(actor, assignment))
    with transaction.atomic():
        issue = _locked(assignment.issue)
        assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if not assignment.is_current:
            raise TransitionRefused(_("This assignment was withdrawn."))
        if assignment.status != Assignment.Status.PENDING:
            raise TransitionRefused(
                _("This assignment was already answered (%(status)s).")
                % {"status": assignment.get_status_display()}
            )
        assignment.status = Assignment.Status.ACCEPTED
        assignment.responded_at = timezone.now()
        if assignment.responsible_person is None:
            assignment.responsible_person = actor
        _save_assignment(assignment, actor, "accepted")
        old_status = issue.status
        if assignment.role == Assignment.Role.LEAD:
            issue.status = Status.IN_PROGRESS
        _save(issue, actor, "accepted")
        _timeline(
            issue,
            actor,
            ActionUpdate.Kind.ACCEPTED,
            old_status=old_status if old_status != issue.status else "",
            assignment=assignment,
        )
    return assignment


def assignment_return(*, actor: User, assignment: Assignment, reason: str) -> Assignment:
    """A department says the issue is not its remit. The lead's return sends the issue back
    to commerce staff for reassignment; a co-handler's return only withdraws that one."""
    access.check(access.can_respond(actor, assignment))
    reason = _clean_text(reason)
    if not reason:
        raise TransitionRefused(_("Say why the issue is returned."))
    with transaction.atomic():
        issue = _locked(assignment.issue)
        assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if not assignment.is_current or assignment.status != Assignment.Status.PENDING:
            raise TransitionRefused(_("Only an assignment awaiting acceptance can be returned."))
        assignment.status = Assignment.Status.RETURNED
        assignment.return_reason = reason
        assignment.responded_at = timezone.now()
        _save_assignment(assignment, actor, "returned")
        old_status = issue.status
        if assignment.role == Assignment.Role.LEAD:
            issue.status = Status.RETURNED
        _save(issue, actor, "returned")
        _timeline(
            issue,
            actor,
            ActionUpdate.Kind.RETURNED,
            body=reason,
            old_status=old_status if old_status != issue.status else "",
            assignment=assignment,
        )
        _notify(
            _staff_people(),
            issue=issue,
            title="returned",
            params={"dept": assignment.department},
            reason="returned",
            actor=actor,
        )
    return assignment
