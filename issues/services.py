"""The issue lifecycle. Every view and task changes issues through these functions only.

logged → assigned → (accepted by the lead) in progress → conclusion reported → closed,
with returns, reassignment, deadline extensions, chair instructions and reopening.

Each function takes the acting user, checks the rule (raising ``TransitionRefused`` with a
message fit for the user, or ``PermissionDenied``), writes inside ``transaction.atomic`` with
the issue row locked, leaves an ``ActionUpdate`` and a history row naming the actor and the
reason, and bumps ``Issue.version`` so that concurrent editors notice.
"""

from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from departments.models import Department, DepartmentMembership
from issues import access, selectors
from issues.history import CALENDAR_PUBLISHED
from issues.models import (
    ActionUpdate,
    Assignment,
    ExtensionRequest,
    Issue,
)
from issues.references import next_reference
from roundtable.accounts.models import User
from roundtable.lib import ledger_version, notices
from roundtable.workdays import services as workdays
from roundtable.workdays.services import Deadline

Status = Issue.Status


class TransitionRefused(Exception):
    """The issue's state does not allow this step. ``str(exc)`` is shown to the user."""


class StaleVersion(Exception):
    """Someone else changed the issue since the form was opened."""

    def __init__(self, current: Issue):
        super().__init__("stale")
        self.current = current


def _locked(issue: Issue) -> Issue:
    return Issue.objects.select_for_update().get(pk=issue.pk)


def _save(issue: Issue, actor: User, reason: str, fields: list[str] | None = None) -> None:
    issue._history_user = actor
    issue._change_reason = reason[:100]
    # The row is locked (select_for_update) by every caller, so a plain increment is safe.
    issue.version += 1
    issue.save(update_fields=None if fields is None else [*fields, "version", "updated_at"])
    transaction.on_commit(ledger_version.bump)


def _save_assignment(assignment: Assignment, actor: User, reason: str) -> None:
    assignment._history_user = actor
    assignment._change_reason = reason[:100]
    assignment.save()


def _timeline(issue, actor, kind, *, body="", old_status="", assignment=None, extension=None):
    return ActionUpdate.objects.create(
        issue=issue,
        author=actor,
        kind=kind,
        body=body,
        old_status=old_status,
        new_status=issue.status if old_status else "",
        assignment=assignment,
        department=assignment.department if assignment else None,
        extension=extension,
    )


def _notify(
    users: Iterable[User], *, issue: Issue, title, reason, actor: User, params=None
) -> None:
    """In-app notices, written in the same transaction as the change they announce.

    ``title`` and ``reason`` are lazy translations (with ``params``), rendered in each
    recipient's own language, not the actor's."""
    recipients = {u.pk: u for u in users if u is not None and u.pk != actor.pk and u.is_active}
    written = []
    for user in recipients.values():
        with translation.override(user.preferred_language or None):
            values = {key: str(value) for key, value in (params or {}).items()}
            written.append(
                notices.Notice(
                    recipient_id=user.pk,
                    issue_id=issue.pk,
                    title=f"{issue.reference} {str(title) % values if values else title}"[:300],
                    reason=str(reason)[:300],
                    url=f"/issues/{issue.pk}/",
                )
            )
    notices.write(written)


def _department_people(department_ids, *, roles=("liaison", "head")):
    return User.objects.filter(
        pk__in=DepartmentMembership.objects.current()
        .filter(department_id__in=department_ids, role__in=roles)
        .values("user_id"),
        is_active=True,
    )


def _staff_people():
    return User.objects.filter(groups__name="commerce_staff", is_active=True)


def _clean_text(text: str) -> str:
    return (text or "").strip()


def _set_deadline(issue: Issue, deadline: Deadline) -> None:
    """The deadline and how it was given: N working days and the day counted from, marked
    provisional when the count crossed a year not yet published; a date clears all three,
    so that no mark outlives the deadline it was about."""
    issue.deadline = deadline.day
    issue.deadline_working_days = deadline.working_days
    issue.deadline_counted_from = deadline.counted_from
    issue.deadline_provisional = deadline.provisional


# --- Logging and editing ------------------------------------------------------------------

EDITABLE_FIELDS = (
    "title",
    "description",
    "enterprise",
    "category",
    "source",
    "meeting",
    "raised_on",
    "priority",
    "follow_up_requirement",
    "monitor",
)


def issue_create(
    *,
    actor: User,
    title: str,
    enterprise,
    category,
    source: str,
    description: str = "",
    other_enterprises: Iterable = (),
    meeting=None,
    raised_on: date | None = None,
    priority: str = Issue.Priority.NORMAL,
    follow_up_requirement: str = "",
    monitor: User | None = None,
    lead_department: Department | None = None,
    co_departments: Iterable[Department] = (),
    deadline: date | Deadline | None = None,
    responsible_person: User | None = None,
) -> Issue:
    """Log an issue; with a lead department and a deadline it is assigned at once. A deadline
    in working days is a ``Deadline`` (``workdays.deadline_in_working_days``)."""
    access.check(access.can_edit(actor, None))
    raised_on = raised_on or timezone.localdate()
    with transaction.atomic():
        sequence, reference = next_reference(raised_on.year)
        issue = Issue(
            reference=reference,
            year=raised_on.year,
            sequence=sequence,
            title=title.strip(),
            description=description,
            enterprise=enterprise,
            category=category,
            source=source,
            meeting=meeting,
            raised_on=raised_on,
            priority=priority,
            follow_up_requirement=follow_up_requirement,
            monitor=monitor,
            created_by=actor,
        )
        issue._history_user = actor
        issue._change_reason = "logged"
        issue.save()
        transaction.on_commit(ledger_version.bump)
        if other_enterprises:
            issue.other_enterprises.set([e for e in other_enterprises if e != enterprise])
        _timeline(issue, actor, ActionUpdate.Kind.LOGGED)
        if lead_department is not None:
            if deadline is None:
                raise TransitionRefused(_("Give a deadline when assigning a lead department."))
            _assign(
                issue,
                actor=actor,
                lead_department=lead_department,
                co_departments=co_departments,
                deadline=deadline,
                responsible_person=responsible_person,
            )
    return issue


def issue_update(*, actor: User, issue: Issue, expected_version: int, **changes) -> Issue:
    """Edit an issue's facts. Raises ``StaleVersion`` (carrying the current issue) when it
    changed since ``expected_version`` was read, so the caller can show the new state and
    keep what the user typed."""
    access.check(access.can_edit(actor, issue))
    unknown = set(changes) - set(EDITABLE_FIELDS) - {"other_enterprises"}
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    with transaction.atomic():
        current = _locked(issue)
        check_editable(current)
        if current.version != expected_version:
            raise StaleVersion(current)
        others = changes.pop("other_enterprises", None)
        changed = [name for name, value in changes.items() if getattr(current, name) != value]
        for name in changed:
            setattr(current, name, changes[name])
        fields = list(changed)
        # The enterprises it also concerns count as an edit like any field: a new version, so
        # that a second editor's stale list cannot silently undo this one.
        wanted = None
        if others is not None:
            wanted = {e.pk for e in others} - {current.enterprise_id}
            if wanted != set(current.other_enterprises.values_list("pk", flat=True)):
                changed.append("other_enterprises")
            else:
                wanted = None
        if changed:
            _save(current, actor, "edited: " + ", ".join(changed), fields)
        if wanted is not None:
            current.other_enterprises.set(wanted)  # history rows carry the reason set above
    return current


def check_editable(issue: Issue) -> None:
    """A closed issue keeps the facts it was closed with; reopening it allows edits again."""
    if not issue.is_open:
        raise TransitionRefused(_("A closed issue cannot be edited; reopen it first."))


# --- Assignment ---------------------------------------------------------------------------


RESPONSIBLE_NOT_IN_LEAD = gettext_lazy(
    "The responsible person must be a current head or liaison of the lead department."
)


def _assign(issue, *, actor, lead_department, co_departments, deadline, responsible_person):
    if responsible_person is not None and not DepartmentMembership.objects.holds_seat(
        responsible_person, lead_department
    ):
        # Reminders go to the responsible person, and only someone who reads the issue.
        raise TransitionRefused(RESPONSIBLE_NOT_IN_LEAD)
    co_departments = [d for d in dict.fromkeys(co_departments) if d != lead_department]
    wanted = {lead_department.pk: Assignment.Role.LEAD} | {
        d.pk: Assignment.Role.CO_HANDLING for d in co_departments
    }
    current = {a.department_id: a for a in issue.assignments.current()}
    new_departments = []
    # Retire assignments of departments no longer wanted, or whose role changed.
    for dept_id, assignment in current.items():
        if wanted.get(dept_id) != assignment.role:
            assignment.is_current = False
            _save_assignment(assignment, actor, "reassigned away")
    for dept_id, role in wanted.items():
        existing = current.get(dept_id)
        if existing is not None and existing.role == role:
            if role == Assignment.Role.LEAD and responsible_person is not None:
                existing.responsible_person = responsible_person
                _save_assignment(existing, actor, "responsible person set")
            continue
        assignment = Assignment(
            issue=issue,
            department_id=dept_id,
            role=role,
            responsible_person=responsible_person if role == Assignment.Role.LEAD else None,
        )
        _save_assignment(assignment, actor, "assigned")
        new_departments.append(dept_id)
    old_status = issue.status
    lead = next(a for a in issue.assignments.current() if a.role == Assignment.Role.LEAD)
    if lead.status == Assignment.Status.PENDING:
        issue.status = Status.ASSIGNED
    deadline = workdays.as_deadline(deadline)
    _set_deadline(issue, deadline)
    issue.lead_department = lead_department
    if issue.original_deadline is None:
        issue.original_deadline = deadline.day
    _save(issue, actor, "assigned")
    departments = Department.objects.in_bulk(list(wanted))
    names = ", ".join(str(departments[pk]) for pk in wanted)
    _timeline(issue, actor, ActionUpdate.Kind.ASSIGNED, body=names, old_status=old_status)
    _notify(
        _department_people(new_departments),
        issue=issue,
        title=gettext_lazy("assigned to your department"),
        reason=gettext_lazy("Your department was assigned this issue."),
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
            title=gettext_lazy("returned by %(dept)s"),
            params={"dept": assignment.department},
            reason=gettext_lazy("You are commerce staff: returned issues need reassigning."),
            actor=actor,
        )
    return assignment


# --- Progress, extension, conclusion ------------------------------------------------------


def issue_post_progress(*, actor: User, issue: Issue, body: str) -> ActionUpdate:
    access.check(access.can_post_progress(actor, issue))
    body = _clean_text(body)
    if not body:
        raise TransitionRefused(_("Write what progress was made."))
    with transaction.atomic():
        current = _locked(issue)
        assignment = access.user_assignment(actor, current)
        if current.status not in (Status.ASSIGNED, Status.IN_PROGRESS):
            raise TransitionRefused(
                _("Progress can be posted only while the issue is open and being handled.")
            )
        if assignment is None or assignment.status != Assignment.Status.ACCEPTED:
            raise TransitionRefused(_("Accept the assignment before posting progress."))
        _save(current, actor, "progress", [])
        update = _timeline(
            current, actor, ActionUpdate.Kind.PROGRESS, body=body, assignment=assignment
        )
    return update


def issue_request_extension(
    *, actor: User, issue: Issue, requested_deadline: date, reason: str
) -> ExtensionRequest:
    access.check(access.can_request_extension(actor, issue))
    reason = _clean_text(reason)
    if not reason:
        raise TransitionRefused(_("Say why more time is needed."))
    with transaction.atomic():
        current = _locked(issue)
        if current.status != Status.IN_PROGRESS:
            raise TransitionRefused(
                _("An extension can be requested only while the issue is in progress.")
            )
        if current.deadline and requested_deadline <= current.deadline:
            raise TransitionRefused(
                _("The requested deadline must be later than the current one (%(deadline)s).")
                % {"deadline": current.deadline}
            )
        if current.extension_requests.filter(status=ExtensionRequest.Status.PENDING).exists():
            raise TransitionRefused(_("An extension request is already waiting for a decision."))
        extension = ExtensionRequest.objects.create(
            issue=current,
            requested_by=actor,
            current_deadline=current.deadline,
            requested_deadline=requested_deadline,
            reason=reason,
        )
        _save(current, actor, "extension requested", [])
        _timeline(
            current,
            actor,
            ActionUpdate.Kind.EXTENSION_REQUESTED,
            body=f"{requested_deadline}: {reason}",
            extension=extension,
            assignment=access.user_assignment(actor, current),
        )
        _notify(
            _staff_people(),
            issue=current,
            title=gettext_lazy("asks for a deadline extension"),
            reason=gettext_lazy("You are commerce staff: extension requests need a decision."),
            actor=actor,
        )
    return extension


def extension_decide(
    *, actor: User, extension: ExtensionRequest, grant: bool, note: str = ""
) -> ExtensionRequest:
    access.check(access.can_decide_extension(actor, extension.issue))
    with transaction.atomic():
        issue = _locked(extension.issue)
        extension = ExtensionRequest.objects.select_for_update().get(pk=extension.pk)
        if extension.status != ExtensionRequest.Status.PENDING:
            raise TransitionRefused(_("This request was already decided."))
        extension.status = (
            ExtensionRequest.Status.GRANTED if grant else ExtensionRequest.Status.REFUSED
        )
        extension.decided_by = actor
        extension.decided_at = timezone.now()
        extension.decision_note = _clean_text(note)
        extension._history_user = actor
        extension.save()
        if grant:
            _set_deadline(issue, workdays.as_deadline(extension.requested_deadline))
        _save(issue, actor, "extension " + extension.status)
        _timeline(
            issue,
            actor,
            ActionUpdate.Kind.EXTENSION_DECIDED,
            body=f"{extension.get_status_display()}: {extension.requested_deadline}"
            + (f" — {extension.decision_note}" if extension.decision_note else ""),
            extension=extension,
        )
        _notify(
            [extension.requested_by],
            issue=issue,
            title=gettext_lazy("extension %(decision)s"),
            params={"decision": ExtensionRequest.Status(extension.status).label},
            reason=gettext_lazy("You asked for this extension."),
            actor=actor,
        )
    return extension


def issue_report_conclusion(
    *, actor: User, issue: Issue, resolution: str, concluded_on: date | None = None
) -> Issue:
    access.check(access.can_conclude(actor, issue))
    resolution = _clean_text(resolution)
    if not resolution:
        raise TransitionRefused(_("Describe how the issue was resolved."))
    concluded_on = concluded_on or timezone.localdate()
    with transaction.atomic():
        current = _locked(issue)
        lead = current.assignments.current().filter(role=Assignment.Role.LEAD).first()
        if (
            current.status != Status.IN_PROGRESS
            or lead is None
            or (lead.status != Assignment.Status.ACCEPTED)
        ):
            raise TransitionRefused(
                _("Only an accepted issue in progress can be reported as concluded.")
            )
        if concluded_on > timezone.localdate():
            raise TransitionRefused(_("The conclusion date cannot be in the future."))
        if concluded_on < current.raised_on:
            raise TransitionRefused(_("The conclusion date cannot be before the issue was raised."))
        old_status = current.status
        current.status = Status.CONCLUSION_REPORTED
        current.resolution = resolution
        current.concluded_on = concluded_on
        lead.status = Assignment.Status.DONE
        _save_assignment(lead, actor, "conclusion reported")
        _save(current, actor, "conclusion reported")
        _timeline(
            current,
            actor,
            ActionUpdate.Kind.CONCLUSION,
            body=resolution,
            old_status=old_status,
            assignment=lead,
        )
        _notify(
            [*_staff_people(), current.monitor],
            issue=current,
            title=gettext_lazy("conclusion reported"),
            reason=gettext_lazy(
                "Concluded issues are verified by commerce staff; you supervise it "
                "or you are commerce staff."
            ),
            actor=actor,
        )
    return current


# --- Verification, reopening, instructions ------------------------------------------------


def issue_close(*, actor: User, issue: Issue, satisfaction: str, note: str = "") -> Issue:
    """Verify a reported conclusion with the enterprise's satisfaction. A dissatisfied
    enterprise reopens the issue instead of closing it."""
    access.check(access.can_close(actor, issue))
    if satisfaction not in Issue.Satisfaction.values:
        raise TransitionRefused(_("Record the enterprise's satisfaction."))
    with transaction.atomic():
        current = _locked(issue)
        if current.status != Status.CONCLUSION_REPORTED:
            raise TransitionRefused(
                _("Only an issue whose conclusion was reported can be verified and closed.")
            )
        pending = current.assignments.current().filter(
            role=Assignment.Role.CO_HANDLING, status=Assignment.Status.PENDING
        )
        if pending.exists():
            names = ", ".join(str(a.department) for a in pending.select_related("department"))
            raise TransitionRefused(
                _(
                    "A co-handling department has not yet accepted: %(names)s. Settle its "
                    "assignment first."
                )
                % {"names": names}
            )
        current.satisfaction = satisfaction
        if satisfaction == Issue.Satisfaction.DISSATISFIED:
            _reopen(current, actor, note or _("The enterprise is dissatisfied."))
            return current
        old_status = current.status
        current.status = Status.CLOSED
        current.closed_at = timezone.now()
        _save(current, actor, "closed")
        _timeline(
            current,
            actor,
            ActionUpdate.Kind.CLOSED,
            body=f"{current.get_satisfaction_display()}" + (f" — {note}" if note else ""),
            old_status=old_status,
        )
    return current


def _reopen(issue: Issue, actor: User, reason: str) -> None:
    old_status = issue.status
    issue.status = Status.IN_PROGRESS
    issue.reopened_count += 1
    issue.concluded_on = None
    issue.closed_at = None
    lead = issue.assignments.current().filter(role=Assignment.Role.LEAD).first()
    if lead is not None and lead.status == Assignment.Status.DONE:
        lead.status = Assignment.Status.ACCEPTED
        _save_assignment(lead, actor, "reopened")
    _save(issue, actor, "reopened")
    _timeline(issue, actor, ActionUpdate.Kind.REOPENED, body=reason, old_status=old_status)
    if lead is not None:
        _notify(
            _department_people([lead.department_id]),
            issue=issue,
            title=gettext_lazy("reopened"),
            reason=gettext_lazy("Your department leads this issue."),
            actor=actor,
        )


def issue_reopen(*, actor: User, issue: Issue, reason: str) -> Issue:
    """Send a reported or closed issue back to the lead department."""
    access.check(access.can_close(actor, issue))
    reason = _clean_text(reason)
    if not reason:
        raise TransitionRefused(_("Say why the issue is reopened."))
    with transaction.atomic():
        current = _locked(issue)
        if current.status not in (Status.CONCLUSION_REPORTED, Status.CLOSED):
            raise TransitionRefused(_("Only a concluded or closed issue can be reopened."))
        current.satisfaction = ""
        _reopen(current, actor, reason)
    return current


def issue_add_instruction(*, actor: User, issue: Issue, body: str) -> ActionUpdate:
    """The chair's or a deputy's instruction (批示)."""
    access.check(access.can_instruct(actor, issue))
    body = _clean_text(body)
    if not body:
        raise TransitionRefused(_("Write the instruction."))
    with transaction.atomic():
        current = _locked(issue)
        _save(current, actor, "instruction", [])
        update = _timeline(current, actor, ActionUpdate.Kind.INSTRUCTION, body=body)
        lead_ids = current.assignments.current().values_list("department_id", flat=True)
        _notify(
            [*_department_people(lead_ids), *_staff_people(), current.monitor],
            issue=current,
            title=gettext_lazy("instruction from %(chair)s"),
            params={"chair": actor},
            reason=gettext_lazy(
                "The chair's office instructed on an issue you handle or supervise."
            ),
            actor=actor,
        )
    return update


# --- Deadlines after a calendar edit ------------------------------------------------------


def _years_text(years: list[int]) -> str:
    return ", ".join(str(year) for year in years)


def _recount_reason(recount: selectors.DeadlineRecount) -> str:
    """The timeline's words, in the site's language like the system's other entries."""
    old, new = recount.old, recount.new
    values = {
        "old": old.day.isoformat(),
        "new": new.day.isoformat(),
        "n": old.working_days,
        "start": old.counted_from.isoformat(),
        "years": _years_text(recount.years),
    }
    n = old.working_days
    with translation.override(settings.LANGUAGE_CODE):
        if recount.changed:
            text = ngettext(
                "%(old)s → %(new)s: %(n)s working day from %(start)s, counted again with the "
                "official calendar for %(years)s now that it is published.",
                "%(old)s → %(new)s: %(n)s working days from %(start)s, counted again with the "
                "official calendar for %(years)s now that it is published.",
                n,
            )
        else:
            text = ngettext(
                "%(new)s stays: %(n)s working day from %(start)s gives the same day with the "
                "official calendar for %(years)s, now published. The deadline is no longer "
                "provisional.",
                "%(new)s stays: %(n)s working days from %(start)s give the same day with the "
                "official calendar for %(years)s, now published. The deadline is no longer "
                "provisional.",
                n,
            )
        return text % values


def issue_deadlines_recompute(
    *, actor: User, calendar_version: int | None = None, issue_ids: Iterable[int] | None = None
) -> list[selectors.DeadlineRecount]:
    """Count again, with the calendar as it is now, the provisional deadlines of open issues
    (of ``issue_ids``, all by default) whose years are all published: each issue locked, its
    deadline set from its N and first day, its version bumped, a history row and a timeline
    entry naming the calendar year published. A deadline that comes out the same loses its
    mark the same way, never silently; one still crossing an unpublished year is left as it
    is. The lead department is told when the date moves.

    ``calendar_version`` is the one the caller's list of old and new dates was computed
    with: when the calendar changed since, nothing is saved (``TransitionRefused``), so that
    no date is set that the user did not see. Returns the recounts made."""
    access.check(access.can_set_deadlines(actor))
    with transaction.atomic():
        if calendar_version is not None and calendar_version != workdays.calendar_version():
            raise TransitionRefused(
                _(
                    "The working-day calendar changed while this page was open. Check the "
                    "new dates below and count them again."
                )
            )
        issues = Issue.objects.select_for_update(of=("self",))
        if issue_ids is not None:
            issues = issues.filter(pk__in=list(issue_ids))
        done = selectors.provisional_deadlines(issues).settled
        for recount in done:
            issue = recount.issue
            _set_deadline(issue, recount.new)
            _save(issue, actor, CALENDAR_PUBLISHED + _years_text(recount.years))
            _timeline(
                issue, actor, ActionUpdate.Kind.DEADLINE_RECOUNTED, body=_recount_reason(recount)
            )
            if recount.changed and issue.lead_department_id:
                _notify(
                    _department_people([issue.lead_department_id]),
                    issue=issue,
                    title=gettext_lazy("deadline now %(day)s"),
                    params={"day": recount.new.day.isoformat()},
                    reason=gettext_lazy(
                        "Your department leads this issue; its deadline in working days was "
                        "counted again with the newly published official calendar."
                    ),
                    actor=actor,
                )
    return done
