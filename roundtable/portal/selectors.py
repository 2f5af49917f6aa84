"""What a contact reads about their enterprises' issues and meetings: one place that says
which rows and which fields the enterprise side shows.

Issues: those raised by the contact's enterprises (``Issue.enterprise``). Per issue: the
reference, title, status (worded for enterprises, labels.py), deadline, the departments that
handle it (never the people), the timeline entries marked visible to the enterprise (progress
that staff or the lead department shared, and what the enterprise added), the conclusion and
its rating. Never: internal notes and progress not shared, instructions (批示), the monitor,
people of departments, other enterprises."""

from django.db.models import Prefetch

from issues.models import ActionUpdate, Assignment, Attachment, Issue
from roundtable.meetings.models import Meeting, MeetingParticipant
from roundtable.portal import labels


def issues_of(enterprise_ids):
    """The issues of these enterprises, newest first, with their current departments."""
    current = Assignment.objects.current().select_related("department").order_by("role", "pk")
    return (
        Issue.objects.filter(enterprise_id__in=list(enterprise_ids))
        .select_related("enterprise")
        .prefetch_related(Prefetch("assignments", queryset=current, to_attr="current_assignments"))
        .order_by("-raised_on", "-pk")
    )


def issue_for_contact(enterprise_ids, pk) -> Issue | None:
    """One of these enterprises' issues, or None (the view answers 404)."""
    return issues_of(enterprise_ids).filter(pk=pk).first()


def handling_departments(issue: Issue) -> list[dict]:
    """The departments handling ``issue`` now, lead first: name and role, no people."""
    return [
        {"name": a.department.name, "lead": a.role == Assignment.Role.LEAD}
        for a in issue.current_assignments
    ]


def shared_timeline(issue: Issue) -> list[ActionUpdate]:
    """The timeline entries the enterprise may read, oldest first, each with ``attached``
    (its attachments)."""
    attachments = Attachment.objects.order_by("uploaded_at", "pk")
    return list(
        issue.updates.filter(visible_to_enterprise=True)
        .select_related("department", "author")
        .prefetch_related(Prefetch("attachments", queryset=attachments, to_attr="attached"))
        .order_by("created_at", "pk")
    )


def shared_attachment(issue: Issue, pk) -> Attachment | None:
    """An attachment of one of ``issue``'s entries that the enterprise may read."""
    return Attachment.objects.filter(pk=pk, issue=issue, update__visible_to_enterprise=True).first()


def decorate(issue: Issue) -> Issue:
    """The enterprise side's words for ``issue``'s state, on the object."""
    issue.portal_status = labels.status(issue.status)
    issue.departments = handling_departments(issue)
    issue.lead_name = next((d["name"] for d in issue.departments if d["lead"]), "")
    issue.may_add_information = issue.status != Issue.Status.CLOSED
    issue.may_confirm = issue.status == Issue.Status.CONCLUSION_REPORTED
    issue.shows_conclusion = issue.status in (
        Issue.Status.CONCLUSION_REPORTED,
        Issue.Status.CLOSED,
    ) or bool(issue.satisfaction)
    issue.portal_satisfaction = str(labels.SATISFACTION.get(issue.satisfaction, ""))
    issue.portal_rated_by = str(labels.RATED_BY.get(issue.satisfaction_by, ""))
    return issue


# --- Meetings ---------------------------------------------------------------------------

# Service visits are staff's records of their own visits, not meetings an enterprise is
# invited to.
VISIT_KINDS = (Meeting.Kind.ONE_ON_ONE, Meeting.Kind.ONE_ON_SEVERAL)


def participations_of(enterprise_ids):
    """The contact's enterprises' places in meetings (MeetingParticipant rows), with their
    meeting and registered attendees."""
    return (
        MeetingParticipant.objects.filter(enterprise_id__in=list(enterprise_ids))
        .exclude(meeting__kind__in=VISIT_KINDS)
        .select_related("meeting", "enterprise")
        .prefetch_related("attendees")
    )


def upcoming(enterprise_ids, now):
    """Invitations to meetings still ahead, soonest first."""
    return list(
        participations_of(enterprise_ids)
        .filter(
            meeting__status__in=[Meeting.Status.PLANNED, Meeting.Status.INTAKE_OPEN],
            meeting__starts_at__gte=now,
        )
        .order_by("meeting__starts_at", "pk")
    )


def published(enterprise_ids):
    """Past meetings they took part in whose summary is published, newest first."""
    return list(
        participations_of(enterprise_ids)
        .filter(meeting__status=Meeting.Status.MINUTES_PUBLISHED)
        .order_by("-meeting__starts_at", "pk")
    )


def meeting_for_contact(enterprise_ids, pk) -> tuple[Meeting | None, list[MeetingParticipant]]:
    """A meeting one of the contact's enterprises is invited to, and their places in it (one
    per enterprise); (None, []) for any other meeting."""
    places = list(participations_of(enterprise_ids).filter(meeting_id=pk).order_by("pk"))
    return (places[0].meeting if places else None), places
