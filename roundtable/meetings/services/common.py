"""What every meetings service shares: the refusal, saving with history, the checks on
typed text and times, and a meeting's participants."""

from collections.abc import Iterable
from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from departments.models import Department
from roundtable.accounts.models import User
from roundtable.enterprises.models import Association, Enterprise
from roundtable.meetings.models import Meeting, MeetingParticipant, RoundtableSeat

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
