"""An invited enterprise registers who will attend a meeting (on the enterprise side of the
portal, roundtable/portal/)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from roundtable.accounts import roles
from roundtable.accounts.models import User
from roundtable.enterprises.models import EnterpriseContact
from roundtable.meetings.models import MeetingAttendee, MeetingParticipant
from roundtable.meetings.services.common import MeetingRefused

MAX_ATTENDEES = 10


def may_register(user: User, participant: MeetingParticipant) -> bool:
    """A contact of the participating enterprise, with a standing link."""
    if participant.enterprise_id is None or not roles.is_enterprise_contact(user):
        return False
    return (
        EnterpriseContact.objects.active()
        .filter(user=user, enterprise_id=participant.enterprise_id)
        .exists()
    )


def registration_open(participant: MeetingParticipant) -> bool:
    meeting = participant.meeting
    return meeting.is_open and meeting.starts_at > timezone.now()


def attendees_register(
    *, actor: User, participant: MeetingParticipant, attendees: list[dict]
) -> list[MeetingAttendee]:
    """Replace the enterprise's registered attendees of the meeting with ``attendees``
    (dicts of ``name`` and ``title``; an empty list withdraws the registration). Only while
    the meeting is ahead (planned or intake open, not started)."""
    from django.core.exceptions import PermissionDenied

    if not may_register(actor, participant):
        raise PermissionDenied
    people = [
        {"name": a["name"].strip(), "title": (a.get("title") or "").strip()}
        for a in attendees
        if (a.get("name") or "").strip()
    ]
    if len(people) > MAX_ATTENDEES:
        raise MeetingRefused(_("Register at most %(count)s people.") % {"count": MAX_ATTENDEES})
    with transaction.atomic():
        participant = MeetingParticipant.objects.select_for_update().get(pk=participant.pk)
        if not registration_open(participant):
            raise MeetingRefused(_("Registration for this meeting is closed."))
        for old in participant.attendees.all():
            old._history_user = actor
            old._change_reason = "registration changed"
            old.delete()
        created = []
        for person in people:
            attendee = MeetingAttendee(participant=participant, registered_by=actor, **person)
            attendee._history_user = actor
            attendee._change_reason = "registered on the portal"
            attendee.save()
            created.append(attendee)
    return created
