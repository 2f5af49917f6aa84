"""Planning, changing and cancelling a meeting, recording its attendance and minutes."""

from collections.abc import Iterable
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from departments.models import Department
from roundtable.accounts.models import User
from roundtable.enterprises.models import Association, Enterprise
from roundtable.meetings import access
from roundtable.meetings.models import Meeting, MeetingParticipant, Roundtable
from roundtable.meetings.services.common import (
    MEETING_FIELDS,
    MeetingRefused,
    Status,
    _check_times,
    _local_day,
    _locked,
    _require_open,
    _save,
    _set_participants,
    _text,
)

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
