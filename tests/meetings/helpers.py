"""Small builders for meeting tests (the services are what the tests exercise; these only
set up the world around them)."""

from datetime import timedelta

from django.utils import timezone

from roundtable.meetings.models import (
    IntakeConsultation,
    IntakeItem,
    Meeting,
    MeetingParticipant,
    Roundtable,
)


def make_roundtable(*, leading_department, **kw) -> Roundtable:
    return Roundtable.objects.create(
        name_zh=kw.pop("name_zh", "测试圆桌会议"),
        name_en=kw.pop("name_en", "Test roundtable"),
        jurisdiction=kw.pop("jurisdiction", "Test district"),
        leading_department=leading_department,
        **kw,
    )


def make_meeting(
    roundtable,
    *,
    kind=Meeting.Kind.QUARTERLY_ROUNDTABLE,
    topic="Quarterly roundtable",
    starts_at=None,
    status=Meeting.Status.PLANNED,
    departments=(),
    enterprises=(),
    users=(),
    **kw,
) -> Meeting:
    meeting = Meeting.objects.create(
        roundtable=roundtable,
        kind=kind,
        topic=topic,
        starts_at=starts_at or timezone.now() - timedelta(hours=1),
        status=status,
        **kw,
    )
    for d in departments:
        MeetingParticipant.objects.create(meeting=meeting, department=d)
    for e in enterprises:
        MeetingParticipant.objects.create(meeting=meeting, enterprise=e)
    for u in users:
        MeetingParticipant.objects.create(meeting=meeting, user=u)
    return meeting


def make_item(meeting, enterprise, *, text="A concern", departments=(), consult=(), **kw):
    item = IntakeItem.objects.create(meeting=meeting, enterprise=enterprise, text=text, **kw)
    item.departments.set(list(departments))
    for d in consult:
        IntakeConsultation.objects.create(item=item, department=d)
    return item
