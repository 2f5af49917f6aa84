"""The roundtable's membership, its meetings, pre-meeting intake and service visits. Views
change them only through these functions.

A meeting's life: planned → intake open (concerns recorded, departments consulted, the agenda
built) → held (attendance recorded) → minutes published; or cancelled while still ahead.
Agreed points become ledger issues through ``issues.services.issue_create``.

Each function takes the acting user, checks the rule (``PermissionDenied``, or
``MeetingRefused`` with a message fit for the user), writes inside ``transaction.atomic``
and leaves a history row naming the actor and the reason.
"""

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from departments.models import Department
from issues import services as issue_services
from issues.models import Category, Issue
from roundtable.accounts.models import User
from roundtable.enterprises.models import Association, Enterprise
from roundtable.meetings import access
from roundtable.meetings.models import (
    CalendarFeed,
    IntakeConsultation,
    IntakeItem,
    Meeting,
    MeetingParticipant,
    Roundtable,
    RoundtableSeat,
    new_feed_token,
)
from roundtable.workdays import services as workdays
from roundtable.workdays.services import Deadline

Status = Meeting.Status
Kind = Meeting.Kind
Seat = RoundtableSeat.Role
TEXT_MAX = 5000
MEETING_FIELDS = (
    "roundtable",
    "kind",
    "topic",
    "business_fields",
    "countries",
    "form",
    "venue",
    "starts_at",
    "ends_at",
    "intake_closes_on",
)
# Seats held by a person, and seats held by a department.
PERSON_SEATS = (Seat.CHAIR, Seat.DEPUTY_CHAIR, Seat.SAFEGUARD_TEAM, Seat.SECRETARIAT)
DEPARTMENT_SEATS = (Seat.MEMBER_DEPARTMENT, Seat.LEADING_DEPARTMENT)
# Seats only one holder has at a time: a new holder comes through ``seat_change``.
SINGLE_SEATS = (Seat.CHAIR, Seat.LEADING_DEPARTMENT)


class MeetingRefused(Exception):
    """The meeting's state or the input does not allow this step. ``str(exc)`` is shown to
    the user; ``field`` names the form field it belongs to, if any."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


def _save(obj, actor: User, reason: str, **kwargs) -> None:
    obj._history_user = actor
    obj._change_reason = reason[:100]
    obj.save(**kwargs)


def _locked(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update().get(pk=meeting.pk)


def _text(value: str, *, label: str, field: str, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise MeetingRefused(_("%(label)s cannot be empty.") % {"label": label}, field=field)
    if len(value) > TEXT_MAX:
        raise MeetingRefused(
            ngettext(
                "%(label)s is too long (at most %(max)d character).",
                "%(label)s is too long (at most %(max)d characters).",
                TEXT_MAX,
            )
            % {"label": label, "max": TEXT_MAX},
            field=field,
        )
    return value


def _local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def _check_times(starts_at, ends_at, intake_closes_on) -> None:
    if ends_at is not None and starts_at is not None and ends_at < starts_at:
        raise MeetingRefused(_("The meeting cannot end before it starts."), field="ends_at")
    if intake_closes_on and starts_at and intake_closes_on > _local_day(starts_at):
        raise MeetingRefused(
            _("Intake must close on or before the day of the meeting."), field="intake_closes_on"
        )


def _require_open(meeting: Meeting, message: str) -> None:
    if not meeting.is_open:
        raise MeetingRefused(message)


# --- Participants -------------------------------------------------------------------------


def _participant_key(p: MeetingParticipant) -> tuple[str, int]:
    for kind in ("enterprise", "association", "department", "user"):
        pk = getattr(p, f"{kind}_id")
        if pk is not None:
            return kind, pk
    raise ValueError("participant without a holder")


def _set_participants(
    meeting: Meeting,
    actor: User,
    *,
    enterprises: Iterable[Enterprise] = (),
    associations: Iterable[Association] = (),
    departments: Iterable[Department] = (),
    users: Iterable[User] = (),
    attended: bool | None = None,
) -> None:
    """Make the participants exactly these, keeping the attendance of those who stay."""
    wanted = {("enterprise", e.pk) for e in enterprises}
    wanted |= {("association", a.pk) for a in associations}
    wanted |= {("department", d.pk) for d in departments}
    wanted |= {("user", u.pk) for u in users}
    existing = {_participant_key(p): p for p in meeting.participants.all()}
    for key, participant in existing.items():
        if key not in wanted:
            participant._history_user = actor
            participant._change_reason = "removed"
            participant.delete()
    for kind, pk in sorted(wanted - set(existing)):
        participant = MeetingParticipant(meeting=meeting, attended=attended, **{f"{kind}_id": pk})
        _save(participant, actor, "invited")


# --- Planning -----------------------------------------------------------------------------


def default_roundtable() -> Roundtable | None:
    return Roundtable.objects.order_by("pk").first()


def meeting_plan(
    *,
    actor: User,
    kind: str,
    topic: str,
    starts_at: datetime,
    roundtable: Roundtable | None = None,
    ends_at: datetime | None = None,
    business_fields: str = "",
    countries: str = "",
    form: str = Meeting.Form.IN_PERSON,
    venue: str = "",
    intake_closes_on: date | None = None,
    enterprises: Iterable[Enterprise] = (),
    associations: Iterable[Association] = (),
    departments: Iterable[Department] = (),
    users: Iterable[User] = (),
) -> Meeting:
    """Plan a meeting of any kind with its participants. Status: planned."""
    access.check(access.can_plan(actor))
    roundtable = roundtable or default_roundtable()
    if roundtable is None:
        raise MeetingRefused(
            _("Set up the roundtable first (name, leading department) on the roundtable page.")
        )
    topic = _text(topic, label=_("The topic"), field="topic")[:200]
    _check_times(starts_at, ends_at, intake_closes_on)
    with transaction.atomic():
        meeting = Meeting(
            roundtable=roundtable,
            kind=kind,
            topic=topic,
            business_fields=(business_fields or "").strip(),
            countries=(countries or "").strip(),
            form=form,
            venue=(venue or "").strip(),
            starts_at=starts_at,
            ends_at=ends_at,
            intake_closes_on=intake_closes_on,
            created_by=actor,
        )
        _save(meeting, actor, "planned")
        _set_participants(
            meeting,
            actor,
            enterprises=enterprises,
            associations=associations,
            departments=departments,
            users=users,
        )
    return meeting


def meeting_update(
    *,
    actor: User,
    meeting: Meeting,
    enterprises: Iterable[Enterprise] | None = None,
    associations: Iterable[Association] | None = None,
    departments: Iterable[Department] | None = None,
    users: Iterable[User] | None = None,
    **changes,
) -> Meeting:
    """Change a meeting's facts (``MEETING_FIELDS``) and, when given, its participants.
    A cancelled meeting stays as it was."""
    access.check(access.can_edit(actor, meeting))
    unknown = set(changes) - set(MEETING_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if "topic" in changes:
        changes["topic"] = _text(changes["topic"], label=_("The topic"), field="topic")[:200]
    with transaction.atomic():
        current = _locked(meeting)
        if current.status == Status.CANCELLED:
            raise MeetingRefused(_("A cancelled meeting cannot be changed."))
        _check_times(
            changes.get("starts_at", current.starts_at),
            changes.get("ends_at", current.ends_at),
            changes.get("intake_closes_on", current.intake_closes_on),
        )
        changed = [name for name, value in changes.items() if getattr(current, name) != value]
        for name in changed:
            setattr(current, name, changes[name])
        if changed:
            _save(current, actor, "edited: " + ", ".join(changed))
        if any(v is not None for v in (enterprises, associations, departments, users)):
            _set_participants(
                current,
                actor,
                enterprises=enterprises or (),
                associations=associations or (),
                departments=departments or (),
                users=users or (),
            )
    return current


def meeting_cancel(*, actor: User, meeting: Meeting, reason: str) -> Meeting:
    access.check(access.can_edit(actor, meeting))
    reason = _text(reason, label=_("The reason"), field="reason")[:300]
    with transaction.atomic():
        current = _locked(meeting)
        _require_open(current, _("Only a meeting that is still ahead can be cancelled."))
        current.status = Status.CANCELLED
        current.cancel_reason = reason
        _save(current, actor, "cancelled")
    return current


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
            if all_items[pk].status in (IntakeItem.Status.SETTLED, IntakeItem.Status.DROPPED):
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


# --- Holding the meeting ------------------------------------------------------------------


def meeting_record_attendance(
    *, actor: User, meeting: Meeting, present: Iterable[MeetingParticipant]
) -> Meeting:
    """Record who attended (everyone else did not). The meeting is then held."""
    access.check(access.can_edit(actor, meeting))
    present_ids = {p.pk for p in present}
    with transaction.atomic():
        current = _locked(meeting)
        if current.status == Status.CANCELLED:
            raise MeetingRefused(_("The meeting was cancelled."))
        if _local_day(current.starts_at) > timezone.localdate():
            raise MeetingRefused(
                _("The meeting is on %(day)s: attendance is recorded once it has started.")
                % {"day": _local_day(current.starts_at)}
            )
        for participant in current.participants.all():
            attended = participant.pk in present_ids
            if participant.attended is not attended:
                participant.attended = attended
                _save(participant, actor, "attendance")
        if current.is_open:
            current.status = Status.HELD
            _save(current, actor, "held")
    return current


def meeting_record_minutes(
    *, actor: User, meeting: Meeting, minutes: str, publish: bool = False
) -> Meeting:
    """Save the minutes of a held meeting, and publish them if asked. Published minutes can
    still be corrected; the history keeps every version."""
    access.check(access.can_edit(actor, meeting))
    minutes = _text(minutes, label=_("The minutes"), field="minutes", required=publish)
    with transaction.atomic():
        current = _locked(meeting)
        if current.status not in (Status.HELD, Status.MINUTES_PUBLISHED):
            raise MeetingRefused(_("Minutes are written once the meeting has been held."))
        current.minutes = minutes
        reason = "minutes saved"
        if publish and current.status != Status.MINUTES_PUBLISHED:
            current.status = Status.MINUTES_PUBLISHED
            current.minutes_published_at = timezone.now()
            reason = "minutes published"
        _save(current, actor, reason)
    return current


def meeting_publish_minutes(*, actor: User, meeting: Meeting, minutes: str) -> Meeting:
    return meeting_record_minutes(actor=actor, meeting=meeting, minutes=minutes, publish=True)


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


# --- Service visits -----------------------------------------------------------------------


def service_visit_record(
    *,
    actor: User,
    enterprises: Sequence[Enterprise],
    starts_at: datetime,
    topic: str,
    notes: str = "",
    venue: str = "",
    people: Iterable[User] = (),
    departments: Iterable[Department] = (),
    issues_raised: Sequence[str] = (),
    category: Category | None = None,
    roundtable: Roundtable | None = None,
) -> Meeting:
    """Record a visit that took place: one enterprise makes it one-on-one, several
    one-on-several. It is held at once, everyone named attended (the acting user too, unless
    other people are named). Each line of ``issues_raised`` is logged as a ledger issue from
    the visit (source: service visit), raised by the first enterprise and concerning the
    others; staff assign it from the ledger."""
    access.check(access.can_plan(actor))
    enterprises = list(dict.fromkeys(enterprises))
    if not enterprises:
        raise MeetingRefused(_("Choose the enterprise you visited."), field="enterprises")
    if starts_at > timezone.now() + timedelta(minutes=5):
        raise MeetingRefused(
            _("A visit is recorded after it took place; plan future visits as meetings."),
            field="starts_at",
        )
    topic = _text(topic, label=_("What was discussed"), field="topic")[:200]
    notes = _text(notes, label=_("The notes"), field="notes", required=False)
    lines = [line.strip()[:200] for line in issues_raised if line and line.strip()]
    if lines and category is None:
        raise MeetingRefused(_("Choose a category for the issues raised."), field="category")
    roundtable = roundtable or default_roundtable()
    if roundtable is None:
        raise MeetingRefused(_("Set up the roundtable first on the roundtable page."))
    kind = Kind.ONE_ON_ONE if len(enterprises) == 1 else Kind.ONE_ON_SEVERAL
    with transaction.atomic():
        visit = Meeting(
            roundtable=roundtable,
            kind=kind,
            topic=topic,
            venue=(venue or "").strip(),
            starts_at=starts_at,
            status=Status.HELD,
            minutes=notes,
            created_by=actor,
        )
        _save(visit, actor, "visit recorded")
        _set_participants(
            visit,
            actor,
            enterprises=enterprises,
            departments=departments,
            users=list(people) or [actor],
            attended=True,
        )
        for line in lines:
            issue_services.issue_create(
                actor=actor,
                title=line,
                enterprise=enterprises[0],
                other_enterprises=enterprises[1:],
                category=category,
                source=Issue.Source.SERVICE_VISIT,
                meeting=visit,
                raised_on=min(_local_day(starts_at), timezone.localdate()),
            )
    return visit


# --- The roundtable's membership ----------------------------------------------------------


ROUNDTABLE_FIELDS = ("name_zh", "name_en", "jurisdiction", "leading_department", "cadence")


def roundtable_save(*, actor: User, roundtable: Roundtable | None = None, **fields) -> Roundtable:
    """Set up the roundtable, or change its name, jurisdiction, cadence or leading
    department. A new leading department also takes the leading department's seat."""
    access.check(access.can_edit_roundtable(actor))
    unknown = set(fields) - set(ROUNDTABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    with transaction.atomic():
        if roundtable is None:
            roundtable = Roundtable(**fields)
            _save(roundtable, actor, "set up")
            seat = RoundtableSeat(
                roundtable=roundtable,
                role=Seat.LEADING_DEPARTMENT,
                department=roundtable.leading_department,
                started_on=timezone.localdate(),
            )
            _save(seat, actor, "leading department")
            return roundtable
        current = Roundtable.objects.select_for_update().get(pk=roundtable.pk)
        changed = [name for name, value in fields.items() if getattr(current, name) != value]
        for name in changed:
            setattr(current, name, fields[name])
        if changed:
            _save(current, actor, "edited: " + ", ".join(changed))
        if "leading_department" in changed:
            today = timezone.localdate()
            seat = (
                current.seats.current(on=today)
                .filter(role=Seat.LEADING_DEPARTMENT, ended_on__isnull=True)
                .first()
            )
            if seat is None:
                new = RoundtableSeat(
                    roundtable=current,
                    role=Seat.LEADING_DEPARTMENT,
                    department=current.leading_department,
                    started_on=today,
                )
                _save(new, actor, "leading department")
            elif seat.department_id != current.leading_department_id:
                _change_seat(seat, actor, department=current.leading_department, on=today)
    return current


def _check_holder(role: str, user, department) -> None:
    if role in PERSON_SEATS and user is None:
        raise MeetingRefused(_("Choose the person who holds this seat."), field="user")
    if role in DEPARTMENT_SEATS and department is None:
        raise MeetingRefused(_("Choose the department that holds this seat."), field="department")
    if user is None and department is None:
        raise MeetingRefused(_("Choose who holds this seat."))


def seat_add(
    *,
    actor: User,
    roundtable: Roundtable,
    role: str,
    started_on: date,
    user: User | None = None,
    department: Department | None = None,
) -> RoundtableSeat:
    """Give someone a seat: a deputy, a member department, a member of the safeguard team.
    The chair and the leading department change hands through ``seat_change``."""
    access.check(access.can_edit_roundtable(actor))
    _check_holder(role, user, department)
    with transaction.atomic():
        Roundtable.objects.select_for_update().get(pk=roundtable.pk)
        open_seats = roundtable.seats.filter(role=role, ended_on__isnull=True)
        if role in SINGLE_SEATS and open_seats.exists():
            raise MeetingRefused(
                _("This seat is held already: change its holder instead."), field="role"
            )
        if open_seats.filter(user=user, department=department).exists():
            raise MeetingRefused(_("This seat is held already by the same holder."), field="role")
        seat = RoundtableSeat(
            roundtable=roundtable,
            role=role,
            user=user,
            department=department,
            started_on=started_on,
        )
        _save(seat, actor, "seat added")
        if role == Seat.LEADING_DEPARTMENT and department is not None:
            roundtable.leading_department = department
            _save(roundtable, actor, "leading department")
    return seat


def _change_seat(seat: RoundtableSeat, actor: User, *, on: date, user=None, department=None):
    if seat.ended_on is not None:
        raise MeetingRefused(_("This seat was already handed over or ended."))
    if on <= seat.started_on:
        raise MeetingRefused(
            _("The change must come after the current holder took the seat (%(day)s).")
            % {"day": seat.started_on},
            field="changed_on",
        )
    if seat.role in PERSON_SEATS:
        department = None
        if user is None:
            raise MeetingRefused(_("Choose the new holder."), field="user")
        if user.pk == seat.user_id:
            raise MeetingRefused(_("The new holder is the current one."), field="user")
    else:
        user = None
        if department is None:
            raise MeetingRefused(_("Choose the new department."), field="department")
        if department.pk == seat.department_id:
            raise MeetingRefused(_("The new holder is the current one."), field="department")
    seat.ended_on = on - timedelta(days=1)
    _save(seat, actor, "handed over")
    new = RoundtableSeat(
        roundtable=seat.roundtable,
        role=seat.role,
        user=user,
        department=department,
        started_on=on,
    )
    _save(new, actor, "took over")
    return new


def seat_change(
    *,
    actor: User,
    seat: RoundtableSeat,
    changed_on: date,
    user: User | None = None,
    department: Department | None = None,
) -> RoundtableSeat:
    """Hand a seat to a new holder from ``changed_on``: the old seat ends the day before and
    a new one opens, so the roundtable page can tell who held it when. Returns the new seat."""
    access.check(access.can_edit_roundtable(actor))
    with transaction.atomic():
        current = RoundtableSeat.objects.select_for_update().get(pk=seat.pk)
        new = _change_seat(current, actor, on=changed_on, user=user, department=department)
        if new.role == Seat.LEADING_DEPARTMENT:
            roundtable = Roundtable.objects.select_for_update().get(pk=new.roundtable_id)
            roundtable.leading_department = new.department
            _save(roundtable, actor, "leading department")
    return new


def seat_end(*, actor: User, seat: RoundtableSeat, ended_on: date) -> RoundtableSeat:
    """End a seat without a successor (a department leaves the roundtable). The record
    stays, with its dates."""
    access.check(access.can_edit_roundtable(actor))
    with transaction.atomic():
        current = RoundtableSeat.objects.select_for_update().get(pk=seat.pk)
        if current.ended_on is not None:
            raise MeetingRefused(_("This seat was already handed over or ended."))
        if ended_on < current.started_on:
            raise MeetingRefused(
                _("A seat cannot end before it began (%(day)s).") % {"day": current.started_on},
                field="ended_on",
            )
        if current.role == Seat.LEADING_DEPARTMENT:
            raise MeetingRefused(
                _("The roundtable always has a leading department: change it instead.")
            )
        current.ended_on = ended_on
        _save(current, actor, "ended")
    return current


# --- Calendar feed ------------------------------------------------------------------------


def feed_token_create(*, actor: User) -> CalendarFeed:
    """Give ``actor`` a new private calendar address. Any earlier address stops working."""
    if not actor.is_authenticated or not actor.is_active:
        raise access.PermissionDenied
    with transaction.atomic():
        feed = CalendarFeed.objects.select_for_update().filter(user=actor).first()
        if feed is None:
            return CalendarFeed.objects.create(user=actor)
        feed.token = new_feed_token()
        feed.created_at = timezone.now()
        feed.revoked_at = None
        feed.last_read_at = None
        feed.save()
    return feed


def feed_token_revoke(*, actor: User) -> bool:
    """Stop ``actor``'s calendar address from working. True if there was one to revoke."""
    if not actor.is_authenticated:
        raise access.PermissionDenied
    return bool(
        CalendarFeed.objects.filter(user=actor, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    )
