"""Pre-meeting intake: concerns recorded, departments consulted, the agenda, and agreed
points that become ledger issues."""

from collections.abc import Iterable, Sequence
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from departments.models import Department
from issues import services as issue_services
from issues.models import Category, Issue
from roundtable.accounts.models import User
from roundtable.enterprises.models import Enterprise
from roundtable.meetings import access
from roundtable.meetings.models import IntakeConsultation, IntakeItem, Meeting
from roundtable.meetings.services.common import (
    MeetingRefused,
    Status,
    _check_times,
    _local_day,
    _locked,
    _require_open,
    _save,
    _text,
)
from roundtable.workdays import services as workdays
from roundtable.workdays.services import Deadline

# --- Pre-meeting intake -------------------------------------------------------------------


def meeting_open_intake(*, actor: User, meeting: Meeting, closes_on: date | None = None) -> Meeting:
    """Start gathering enterprises' concerns. Opening it again only moves the closing day."""
    access.check(access.can_edit(actor, meeting))
    with transaction.atomic():
        current = _locked(meeting)
        _require_open(current, _("Intake can be opened only before the meeting is held."))
        closes_on = closes_on or current.intake_closes_on
        _check_times(current.starts_at, current.ends_at, closes_on)
        current.intake_closes_on = closes_on
        reason = "intake reopened" if current.status == Status.INTAKE_OPEN else "intake opened"
        current.status = Status.INTAKE_OPEN
        _save(current, actor, reason)
    return current


def intake_item_record(
    *,
    actor: User,
    meeting: Meeting,
    enterprise: Enterprise,
    text: str,
    category: Category | None = None,
    departments: Iterable[Department] = (),
) -> IntakeItem:
    """Record one enterprise's concern while intake is open."""
    access.check(access.can_edit(actor, meeting))
    text = _text(text, label=_("The concern"), field="text")
    with transaction.atomic():
        current = _locked(meeting)
        if current.status != Status.INTAKE_OPEN:
            raise MeetingRefused(
                _("Open the intake first: concerns are gathered before the meeting.")
            )
        item = IntakeItem(
            meeting=current, enterprise=enterprise, text=text, category=category, recorded_by=actor
        )
        _save(item, actor, "recorded")
        item.departments.set(list(departments))
    return item


# What staff may set by hand; "on the agenda" comes from ``agenda_set``.
MANUAL_ITEM_STATUSES = (
    IntakeItem.Status.OPEN,
    IntakeItem.Status.SETTLED,
    IntakeItem.Status.DROPPED,
)


def intake_item_set_status(*, actor: User, item: IntakeItem, status: str) -> IntakeItem:
    """Mark an item settled before the meeting, not taken up, or open again. An item leaving
    the agenda loses its place on it."""
    access.check(access.can_edit(actor, item.meeting))
    if status not in MANUAL_ITEM_STATUSES:
        raise MeetingRefused(_("Put items on the agenda from the agenda page."))
    with transaction.atomic():
        meeting = _locked(item.meeting)
        if meeting.status == Status.CANCELLED:
            raise MeetingRefused(_("The meeting was cancelled."))
        current = IntakeItem.objects.select_for_update().get(pk=item.pk)
        if current.status in IntakeItem.DECIDED:
            raise MeetingRefused(_("This concern has already been dealt with."))
        if status == IntakeItem.Status.OPEN and current.consultations.exists():
            status = IntakeItem.Status.IN_CONSULTATION
        if current.status != status:
            current.status = status
            current.agenda_order = None
            _save(current, actor, f"marked {status}")
    return current


def intake_consult(
    *, actor: User, item: IntakeItem, department: Department, question: str = ""
) -> IntakeConsultation:
    """Send a concern to a department for advance consultation (one per department)."""
    access.check(access.can_edit(actor, item.meeting))
    question = _text(question, label=_("The question"), field="question", required=False)
    with transaction.atomic():
        meeting = _locked(item.meeting)
        _require_open(meeting, _("Departments are consulted before the meeting."))
        current = IntakeItem.objects.select_for_update().get(pk=item.pk)
        if current.consultations.filter(department=department).exists():
            raise MeetingRefused(
                _("%(dept)s was already consulted on this concern.") % {"dept": department},
                field="department",
            )
        consultation = IntakeConsultation(item=current, department=department, question=question)
        _save(consultation, actor, "sent")
        if current.status == IntakeItem.Status.OPEN:
            current.status = IntakeItem.Status.IN_CONSULTATION
            _save(current, actor, "sent for consultation")
    return consultation


def consultation_reply(
    *, actor: User, consultation: IntakeConsultation, reply: str
) -> IntakeConsultation:
    """Record the consulted department's reply (by that department, or by staff for it).
    A later reply replaces the earlier one; the history keeps both."""
    access.check(access.can_reply(actor, consultation))
    reply = _text(reply, label=_("The reply"), field="reply")
    with transaction.atomic():
        current = IntakeConsultation.objects.select_for_update().get(pk=consultation.pk)
        if current.item.meeting.status == Status.CANCELLED:
            raise MeetingRefused(_("The meeting was cancelled."))
        current.reply = reply
        current.replied_at = timezone.now()
        current.replied_by = actor
        _save(current, actor, "replied")
    return current


def agenda_set(*, actor: User, meeting: Meeting, items: Sequence[IntakeItem]) -> list[IntakeItem]:
    """Build the agenda from intake: ``items`` in this order take positions 1, 2, 3…; items
    that were on the agenda and are left out go back to open (or in consultation)."""
    access.check(access.can_edit(actor, meeting))
    with transaction.atomic():
        current = _locked(meeting)
        _require_open(current, _("The agenda is set before the meeting is held."))
        all_items = {
            i.pk: i
            for i in IntakeItem.objects.select_for_update()
            .filter(meeting=current)
            .prefetch_related("consultations")
        }
        order = []
        for item in items:
            if item.pk not in all_items:
                raise MeetingRefused(_("An item of another meeting cannot go on this agenda."))
            if item.pk in order:
                continue
            order.append(item.pk)
        for pk in order:
            if all_items[pk].status not in (*IntakeItem.UNDECIDED, IntakeItem.Status.ON_AGENDA):
                raise MeetingRefused(
                    _("“%(text)s” was settled or not taken up: reopen it first.")
                    % {"text": all_items[pk].text[:60]}
                )
        for position, pk in enumerate(order, start=1):
            item = all_items[pk]
            if item.status != IntakeItem.Status.ON_AGENDA or item.agenda_order != position:
                item.status = IntakeItem.Status.ON_AGENDA
                item.agenda_order = position
                _save(item, actor, "agenda")
        for pk, item in all_items.items():
            if pk not in order and item.status == IntakeItem.Status.ON_AGENDA:
                consulted = bool(item.consultations.all())
                item.status = (
                    IntakeItem.Status.IN_CONSULTATION if consulted else IntakeItem.Status.OPEN
                )
                item.agenda_order = None
                _save(item, actor, "off the agenda")
    return [all_items[pk] for pk in order]


def agreed_point_to_issue(
    *,
    actor: User,
    meeting: Meeting,
    title: str,
    enterprise: Enterprise,
    category: Category,
    lead_department: Department,
    deadline: date | Deadline,
    co_departments: Iterable[Department] = (),
    follow_up_requirement: str = "",
    monitor: User | None = None,
    other_enterprises: Iterable[Enterprise] = (),
    description: str = "",
    priority: str = Issue.Priority.NORMAL,
    intake_item: IntakeItem | None = None,
) -> Issue:
    """Turn an agreed point of a held meeting into a ledger issue in one step: logged,
    assigned to its lead and co-handling departments with a deadline, a follow-up
    requirement and a monitor, linked to the meeting and to the enterprises it concerns
    (and to the intake item it came from). Raised on the day of the meeting."""
    access.check(access.can_edit(actor, meeting))
    title = _text(title, label=_("The agreed point"), field="title")
    raised_on = min(_local_day(meeting.starts_at), timezone.localdate())
    if workdays.as_deadline(deadline).day < raised_on:
        raise MeetingRefused(
            _("The deadline cannot be before the meeting (%(day)s).") % {"day": raised_on},
            field="deadline",
        )
    with transaction.atomic():
        current = _locked(meeting)
        if current.status not in (Status.HELD, Status.MINUTES_PUBLISHED):
            raise MeetingRefused(
                _("Record the attendance first: agreed points come from a meeting that was held.")
            )
        if intake_item is not None and intake_item.meeting_id != current.pk:
            raise MeetingRefused(_("That intake item belongs to another meeting."))
        try:
            issue = issue_services.issue_create(
                actor=actor,
                title=title,
                description=description,
                enterprise=enterprise,
                other_enterprises=other_enterprises,
                category=category,
                source=Issue.Source.SERVICE_VISIT
                if current.is_service_visit
                else Issue.Source.MEETING,
                meeting=current,
                raised_on=raised_on,
                priority=priority,
                follow_up_requirement=(follow_up_requirement or "").strip(),
                monitor=monitor,
                lead_department=lead_department,
                co_departments=co_departments,
                deadline=deadline,
            )
        except issue_services.TransitionRefused as exc:
            raise MeetingRefused(str(exc)) from None
        if intake_item is not None:
            item = IntakeItem.objects.select_for_update().get(pk=intake_item.pk)
            item.issue = issue
            _save(item, actor, "became an issue")
    return issue
