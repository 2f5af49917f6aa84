"""The roundtable's membership, its meetings, pre-meeting intake and service visits. Views
change them only through these functions.

A meeting's life: planned → intake open (concerns recorded, departments consulted, the agenda
built) → held (attendance recorded) → minutes published; or cancelled while still ahead.
Agreed points become ledger issues through ``issues.services.issue_create``.

Each function takes the acting user, checks the rule (``PermissionDenied``, or
``MeetingRefused`` with a message fit for the user), writes inside ``transaction.atomic``
and leaves a history row naming the actor and the reason.

One module per area: ``meetings`` (planning, attendance, minutes), ``intake`` (concerns,
consultations, the agenda, agreed points), ``visits`` (service visits), ``roundtables`` (seats,
calendar feeds); ``common`` holds what they share. Callers keep importing from here.
"""

from roundtable.meetings.services.common import (
    DEPARTMENT_SEATS,
    MEETING_FIELDS,
    PERSON_SEATS,
    SINGLE_SEATS,
    TEXT_MAX,
    Kind,
    MeetingRefused,
    Seat,
    Status,
)
from roundtable.meetings.services.intake import (
    MANUAL_ITEM_STATUSES,
    agenda_set,
    agreed_point_to_issue,
    consultation_reply,
    intake_consult,
    intake_item_record,
    intake_item_set_status,
    meeting_open_intake,
)
from roundtable.meetings.services.meetings import (
    default_roundtable,
    meeting_cancel,
    meeting_plan,
    meeting_publish_minutes,
    meeting_record_attendance,
    meeting_record_minutes,
    meeting_update,
)
from roundtable.meetings.services.registration import (
    attendees_register,
    may_register,
    registration_open,
)
from roundtable.meetings.services.roundtables import (
    ROUNDTABLE_FIELDS,
    feed_token_create,
    feed_token_revoke,
    roundtable_save,
    seat_add,
    seat_change,
    seat_end,
)
from roundtable.meetings.services.visits import service_visit_record

__all__ = [
    "attendees_register",
    "may_register",
    "registration_open",
    "DEPARTMENT_SEATS",
    "Kind",
    "MANUAL_ITEM_STATUSES",
    "MEETING_FIELDS",
    "MeetingRefused",
    "PERSON_SEATS",
    "ROUNDTABLE_FIELDS",
    "SINGLE_SEATS",
    "Seat",
    "Status",
    "TEXT_MAX",
    "agenda_set",
    "agreed_point_to_issue",
    "consultation_reply",
    "default_roundtable",
    "feed_token_create",
    "feed_token_revoke",
    "intake_consult",
    "intake_item_record",
    "intake_item_set_status",
    "meeting_cancel",
    "meeting_open_intake",
    "meeting_plan",
    "meeting_publish_minutes",
    "meeting_record_attendance",
    "meeting_record_minutes",
    "meeting_update",
    "roundtable_save",
    "seat_add",
    "seat_change",
    "seat_end",
    "service_visit_record",
]
