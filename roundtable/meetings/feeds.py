"""What a user's calendar feed lists, built in the user's own language:

- the meetings they take part in (in person, or through a department they currently belong
  to) from MEETINGS_SINCE_DAYS days ago on;
- the deadline of every open issue they may read in the ledger (``Issue.objects.visible_to``,
  the ledger's own rule) that has a deadline and no conclusion reported yet: for a liaison or
  head, the issues their departments lead or co-handle and those they monitor; for a monitor,
  the issues they monitor; for commerce staff and the chair's office, every such issue of the
  district.

Nothing is cut off: the feed is streamed in chunks of FEED_CHUNK events, in a fixed number of
queries (one for the meetings, one chunked cursor for the deadlines) however many there are.
"""

from collections.abc import Iterator
from datetime import timedelta
from itertools import islice
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from issues.links import detail_href
from issues.models import Issue
from roundtable.lib.i18n import bilingual, prefers_chinese
from roundtable.meetings import ical
from roundtable.meetings.models import CalendarFeed, Meeting

MEETINGS_SINCE_DAYS = 180
FEED_CHUNK = 500
DEFAULT_MEETING_HOURS = 2


def active_feed(token: str) -> CalendarFeed | None:
    """The live feed for ``token``: not revoked, and its user still active."""
    return (
        CalendarFeed.objects.select_related("user")
        .filter(token=token, revoked_at__isnull=True, user__is_active=True)
        .first()
    )


def _uid_domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "roundtable"


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


def meetings_for(user, *, now):
    return (
        Meeting.objects.taking_part(user)
        .filter(starts_at__gte=now - timedelta(days=MEETINGS_SINCE_DAYS))
        .order_by("starts_at", "pk")
    )


def deadlines_for(user):
    """The open deadlines in ``user``'s scope: issues the ledger shows them, not yet
    concluded, with a deadline. The ledger's rule, not a copy of it."""
    return (
        Issue.objects.visible_to(user)
        .active()
        .filter(deadline__isnull=False)
        .order_by("deadline", "pk")
    )


DEADLINE_FIELDS = (
    *("pk", "reference", "title", "deadline", "status", "updated_at"),
    *("enterprise__name_zh", "enterprise__name_en"),
    *("lead_department__name_zh", "lead_department__name_en"),
)


def _meeting_event(meeting: Meeting, domain: str) -> ical.Event:
    ends = meeting.ends_at or meeting.starts_at + timedelta(hours=DEFAULT_MEETING_HOURS)
    details = [
        str(meeting.get_kind_display()),
        _("Form: %(form)s") % {"form": meeting.get_form_display()},
        _("Status: %(status)s") % {"status": meeting.get_status_display()},
    ]
    if meeting.business_fields:
        details.append(_("Business fields: %(fields)s") % {"fields": meeting.business_fields})
    if meeting.countries:
        details.append(_("Countries or regions: %(countries)s") % {"countries": meeting.countries})
    return ical.Event(
        uid=f"meeting-{meeting.pk}@{domain}",
        dtstamp=meeting.updated_at or meeting.created_at,
        summary=meeting.topic,
        start=meeting.starts_at,
        end=ends,
        description="\n".join(details),
        location=meeting.venue,
        url=_absolute(reverse("meetings:detail", args=[meeting.pk])),
        status="CANCELLED" if meeting.status == Meeting.Status.CANCELLED else "CONFIRMED",
        categories=[str(meeting.get_kind_display())],
    )


def _deadline_event(row: dict, domain: str, href: str, statuses: dict, chinese: bool):
    """The event of one issue's deadline, from plain values (a staff member's feed lists
    thousands: model instances would be most of its time). ``href`` is ``detail_href()``."""
    lead = bilingual(
        row["lead_department__name_zh"], row["lead_department__name_en"], chinese=chinese
    )
    enterprise = bilingual(row["enterprise__name_zh"], row["enterprise__name_en"], chinese=chinese)
    description = "\n".join(
        [
            f"{row['reference']} {row['title']}",
            _("Enterprise: %(name)s") % {"name": enterprise},
            _("Lead department: %(name)s") % {"name": lead or "—"},
            _("Status: %(status)s") % {"status": statuses.get(row["status"], row["status"])},
        ]
    )
    return ical.Event(
        uid=f"issue-{row['pk']}-deadline@{domain}",
        dtstamp=row["updated_at"],
        summary=_("Deadline: %(reference)s %(title)s")
        % {"reference": row["reference"], "title": row["title"]},
        start=row["deadline"],
        description=description,
        url=_absolute(href.format(row["pk"])),
        categories=[_("Deadline")],
    )


def calendar_chunks(user, *, now=None) -> Iterator[bytes]:
    """The feed as UTF-8 bytes, in pieces of at most FEED_CHUNK events: for a streamed
    response, so that memory stays flat however many deadlines a user's scope holds. Each
    piece is written in the user's language (the rows are read after the view returned, so
    the language is set here, piece by piece)."""
    now = now or timezone.now()
    domain = _uid_domain()
    language = user.preferred_language or settings.LANGUAGE_CODE
    with translation.override(language):
        name = _("Roundtable: %(name)s") % {"name": user}
        head = ical.header(
            name=name, zone_name=settings.TIME_ZONE, year=timezone.localdate(now).year
        )
    yield head.encode("utf-8")
    meetings = meetings_for(user, now=now).iterator(chunk_size=FEED_CHUNK)
    while chunk := list(islice(meetings, FEED_CHUNK)):
        with translation.override(language):
            piece = ical.events_text(_meeting_event(m, domain) for m in chunk)
        yield piece.encode("utf-8")
    href = detail_href()
    rows = deadlines_for(user).values(*DEADLINE_FIELDS).iterator(chunk_size=FEED_CHUNK)
    while chunk := list(islice(rows, FEED_CHUNK)):
        with translation.override(language):
            statuses = {value: str(label) for value, label in Issue.Status.choices}
            chinese = prefers_chinese()
            piece = ical.events_text(
                _deadline_event(row, domain, href, statuses, chinese) for row in chunk
            )
        yield piece.encode("utf-8")
    yield ical.FOOTER.encode("utf-8")


def calendar_text(user, *, now=None) -> str:
    """The whole feed as one string (tests, and anything that wants it whole)."""
    return b"".join(calendar_chunks(user, now=now)).decode("utf-8")
