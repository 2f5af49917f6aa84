"""Progress, deadline extensions and the conclusion report."""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from issues import access
from issues.models import (
    ActionUpdate,
    Assignment,
    ExtensionRequest,
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
    _set_deadline,
    _staff_people,
    _timeline,
    _timeline_entry,
)
from roundtable.accounts.models import User
from roundtable.lib import phrases
from roundtable.workdays import services as workdays


def issue_post_progress(
    *, actor: User, issue: Issue, body: str, visible_to_enterprise: bool = False
) -> ActionUpdate:
    """A progress entry of a handling department. ``visible_to_enterprise`` shows it on the
    enterprise's side of the portal too (the poster chooses; internal by default)."""
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
        update = _timeline_entry(
            current, actor, ActionUpdate.Kind.PROGRESS, body=body, assignment=assignment
        )
        update.visible_to_enterprise = bool(visible_to_enterprise)
        update.save(force_insert=True)
    return update


def issue_add_enterprise_information(*, actor: User, issue: Issue, body: str) -> ActionUpdate:
    """A contact of the enterprise adds information to its open issue (on the portal): a
    timeline entry the enterprise sees too, announced to the lead department (or to
    commerce staff while no department leads it). Attachments are stored by the caller with
    ``update=`` this entry, inside the same transaction."""
    access.check(access.represents(actor, issue))
    body = _clean_text(body)
    if not body:
        raise TransitionRefused(_("Write the information you want to add."))
    with transaction.atomic():
        current = _locked(issue)
        if current.status == Status.CLOSED:
            raise TransitionRefused(_("The issue is closed: information can no longer be added."))
        _save(current, actor, "enterprise information", [])
        update = _timeline_entry(current, actor, ActionUpdate.Kind.ENTERPRISE_INFO, body=body)
        update.visible_to_enterprise = True
        update.save(force_insert=True)
        lead = current.assignments.current().filter(role=Assignment.Role.LEAD).first()
        people = _department_people([lead.department_id]) if lead else _staff_people()
        _notify(people, issue=current, title="enterprise_info", reason="enterprise", actor=actor)
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
            title="extension_requested",
            reason="extension_requested",
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
            phrase=phrases.Phrase(
                "timeline.extension_decided_note"
                if extension.decision_note
                else "timeline.extension_decided",
                decision=ExtensionRequest.Status(extension.status).label,
                day=extension.requested_deadline,
                note=extension.decision_note,
            ),
            extension=extension,
        )
        _notify(
            [extension.requested_by],
            issue=issue,
            title="extension_decided",
            params={"decision": ExtensionRequest.Status(extension.status).label},
            reason="extension_decided",
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
            title="conclusion",
            reason="conclusion",
            actor=actor,
        )
    return current
