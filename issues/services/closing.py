"""Verification and closing, reopening, the chair's instructions."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from issues import access
from issues.models import (
    ActionUpdate,
    Assignment,
    Issue,
)
from issues.services.base import (
    Status,
    TransitionRefused,
    _clean_text,
    _department_people,
    _locked,
    _notify,
    _save,
    _save_assignment,
    _staff_people,
    _timeline,
)
from roundtable.accounts.models import User
from roundtable.lib import phrases


def issue_close(*, actor: User, issue: Issue, satisfaction: str, note: str = "") -> Issue:
    """Verify a reported conclusion with the enterprise's satisfaction. A dissatisfied
    enterprise reopens the issue instead of closing it.

    ``actor`` is commerce staff recording the rating on the enterprise's behalf (over the
    phone, say), or a contact of the enterprise confirming it on the portal
    (``access.represents``); ``Issue.satisfaction_by`` keeps which, for the issue page and
    the KPIs."""
    by_enterprise = access.represents(actor, issue)
    access.check(by_enterprise or access.can_close(actor, issue))
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
        current.satisfaction_by = Issue.RatedBy.ENTERPRISE if by_enterprise else Issue.RatedBy.STAFF
        if by_enterprise:
            _notify(
                [*_staff_people(), *_lead_people(current)],
                issue=current,
                title="enterprise_confirmed",
                reason="enterprise",
                actor=actor,
            )
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
            phrase=phrases.Phrase(
                "timeline.closed_note" if note else "timeline.closed",
                satisfaction=Issue.Satisfaction(satisfaction).label,
                note=note,
            ),
            old_status=old_status,
        )
    return current


def _lead_people(issue: Issue) -> list[User]:
    lead_ids = issue.assignments.current().filter(role=Assignment.Role.LEAD)
    return _department_people(lead_ids.values_list("department_id", flat=True))


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
            title="reopened",
            reason="lead",
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
        current.satisfaction_by = ""
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
            title="instruction",
            params={"chair": actor},
            reason="instruction",
            actor=actor,
        )
    return update
