"""The roundtable page, the meetings calendar, a meeting's page with its intake, agenda,
attendance, minutes and list (清单), service visits and the calendar feed.

Views check access (roundtable/meetings/access.py), bind a form, call a service and redirect;
on an error they re-render the bound form so nothing typed is lost.

One module per area: ``roundtables``, ``meetings`` (calendar and planning), ``detail`` (a
meeting's page and list), ``intake``, ``visits``, ``feeds``; ``common`` holds what they share.
"""

from roundtable.meetings.views.concerns import (
    concern_accept,
    concern_answer,
    concern_attach,
    concern_detail,
    concern_file,
    concern_match,
    concern_merge,
    concern_queue,
)
from roundtable.meetings.views.detail import export_xlsx, meeting_detail, meeting_issues
from roundtable.meetings.views.feeds import feed, feed_settings
from roundtable.meetings.views.intake import (
    agenda,
    attendance,
    consultation_reply,
    intake_consult,
    intake_new,
    intake_open,
    intake_status,
    minutes,
    point_new,
)
from roundtable.meetings.views.meetings import (
    meeting_cancel,
    meeting_edit,
    meeting_list,
    meeting_new,
)
from roundtable.meetings.views.roundtables import (
    roundtable,
    roundtable_edit,
    seat_change,
    seat_end,
    seat_new,
)
from roundtable.meetings.views.visits import visit_new

__all__ = [
    "agenda",
    "concern_accept",
    "concern_answer",
    "concern_attach",
    "concern_detail",
    "concern_file",
    "concern_match",
    "concern_merge",
    "concern_queue",
    "attendance",
    "consultation_reply",
    "export_xlsx",
    "feed",
    "feed_settings",
    "intake_consult",
    "intake_new",
    "intake_open",
    "intake_status",
    "meeting_cancel",
    "meeting_detail",
    "meeting_edit",
    "meeting_issues",
    "meeting_list",
    "meeting_new",
    "minutes",
    "point_new",
    "roundtable",
    "roundtable_edit",
    "seat_change",
    "seat_end",
    "seat_new",
    "visit_new",
]
