"""What a user's calendar feed lists: the meetings they take part in (in person or through a
department they currently belong to) and the deadlines of the open issues they are
responsible for, handle through their department, or monitor. Built in the user's own
language, in a fixed number of queries."""

from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from issues.models import Assignment, Issue
from roundtable.accounts import roles
from roundtable.meetings import ical
from roundtable.meetings.models import CalendarFeed, Meeting

MEETINGS_SINCE_DAYS = 180
MAX_MEETINGS = 500
MAX_DEADLINES = 1000
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
        .order_by("starts_at", "pk")[:MAX_MEETINGS]
    )


def deadlines_for(user):
    """Open issues with a deadline that ``user`` answers for or watches."""
    dept_ids = roles.department_ids(user)
    mine = Q(monitor=user) | Exists(
        Assignment.objects.current().filter(issue=OuterRef("pk"), responsible_person=user)
    )
    if dept_ids:
        mine |= Exists(
            Assignment.objects.current().filter(issue=OuterRef("pk"), department_id__in=dept_ids)
        )
    lead = Assignment.objects.current().filter(role=Assignment.Role.LEAD)
    return (
        Issue.objects.visible_to(user)
        .open()
        .exclude(status=Issue.Status.CONCLUSION_REPORTED)
        .filter(mine, deadline__isnull=False)
        .select_related("enterprise")
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=lead.select_related("department"),
                to_attr="lead_assignments",
            )
        )
        .order_by("deadline", "pk")[:MAX_DEADLINES]
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


def _deadline_event(issue: Issue, domain: str) -> ical.Event:
    lead = issue.lead_assignments[0].department.name if issue.lead_assignments else "—"
    description = "\n".join(
        [
            f"{issue.reference} {issue.title}",
            _("Enterprise: %(name)s") % {"name": issue.enterprise.name},
            _("Lead department: %(name)s") % {"name": lead},
            _("Status: %(status)s") % {"status": issue.get_status_display()},
        ]
    )
    return ical.Event(
        uid=f"issue-{issue.pk}-deadline@{domain}",
        dtstamp=issue.updated_at,
        summary=_("Deadline: %(reference)s %(title)s")
        % {"reference": issue.reference, "title": issue.title},
        start=issue.deadline,
        description=description,
        url=_absolute(reverse("issues:detail", args=[issue.pk])),
        categories=[_("Deadline")],
    )


def calendar_text(user, *, now=None) -> str:
    now = now or timezone.now()
    domain = _uid_domain()
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        events = [_meeting_event(m, domain) for m in meetings_for(user, now=now)]
        events += [_deadline_event(i, domain) for i in deadlines_for(user)]
        name = _("Roundtable: %(name)s") % {"name": user}
        return ical.calendar(name=name, events=events)
