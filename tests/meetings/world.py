"""The meetings part of the access matrix's world (tests/security/test_access_matrix.py).

Meeting M: a quarterly roundtable held today, intake open. Department A takes part and E1 is
invited; E1's concern I concerns A and was sent to department B for advance consultation
(consultation C). Issue X is on M's list. So LA, HA see M through A, LB through the
consultation, LC and the monitor do not see it at all.

Visit V: a one-on-one service visit to E1, held a week earlier by commerce staff only.
Roundtable RT has a chair seat (held by the chair) and a member seat (department A).
LA has a live calendar feed; E1 has a contact.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile

from issues.models import Issue
from roundtable.enterprises.models import EnterpriseContact
from roundtable.meetings.models import (
    CalendarFeed,
    ConcernSender,
    IntakeAttachment,
    IntakeConsultation,
    IntakeItem,
    Meeting,
    MeetingParticipant,
    Roundtable,
    RoundtableSeat,
)
from roundtable.meetings.services.concerns import token_hash

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A valid credit code that no factory produces (factories use 91500103…).
NEW_CREDIT_CODE = "91350100M000100Y43"


def build(personas, dept_a, dept_b, enterprise_1, issue_x) -> dict:
    rt = Roundtable.objects.create(
        name_zh="测试圆桌会议",
        name_en="Test roundtable",
        jurisdiction="Test",
        leading_department=dept_a,
    )
    chair_seat = RoundtableSeat.objects.create(
        roundtable=rt,
        role=RoundtableSeat.Role.CHAIR,
        user=personas["Ch"],
        started_on=date(2025, 1, 1),
    )
    RoundtableSeat.objects.create(
        roundtable=rt,
        role=RoundtableSeat.Role.MEMBER_DEPARTMENT,
        department=dept_a,
        started_on=date(2025, 1, 1),
    )
    m = Meeting.objects.create(
        roundtable=rt,
        kind=Meeting.Kind.QUARTERLY_ROUNDTABLE,
        topic="Matrix roundtable",
        starts_at=datetime(2026, 9, 29, 9, 0, tzinfo=SHANGHAI),
        status=Meeting.Status.INTAKE_OPEN,
        created_by=personas["St"],
    )
    participant = MeetingParticipant.objects.create(meeting=m, department=dept_a)
    MeetingParticipant.objects.create(meeting=m, enterprise=enterprise_1)
    item = IntakeItem.objects.create(meeting=m, enterprise=enterprise_1, text="Matrix concern")
    item.departments.set([dept_a])
    consultation = IntakeConsultation.objects.create(item=item, department=dept_b, question="Q?")
    Issue.objects.filter(pk=issue_x.pk).update(meeting=m)
    visit = Meeting.objects.create(
        roundtable=rt,
        kind=Meeting.Kind.ONE_ON_ONE,
        topic="Matrix visit",
        starts_at=datetime(2026, 9, 22, 10, 0, tzinfo=SHANGHAI),
        status=Meeting.Status.HELD,
        created_by=personas["St"],
    )
    MeetingParticipant.objects.create(meeting=visit, enterprise=enterprise_1, attended=True)
    MeetingParticipant.objects.create(meeting=visit, user=personas["St"], attended=True)
    contact = EnterpriseContact.objects.create(enterprise=enterprise_1, name="Matrix contact")
    feed = CalendarFeed.objects.create(user=personas["LA"])
    concern, public_concern, concern_file = _concerns(enterprise_1)
    return {
        "concern": concern.pk,
        "public_concern": public_concern.pk,
        "concern_file": concern_file.pk,
        "status_token": STATUS_TOKEN,
        "M": m.pk,
        "V": visit.pk,
        "RT": rt.pk,
        "seat": chair_seat.pk,
        "item": item.pk,
        "consultation": consultation.pk,
        "participant": participant.pk,
        "contact": contact.pk,
        "feed": feed.token,
        "E1_code": enterprise_1.credit_code,
        "new_code": NEW_CREDIT_CODE,
        "u_St": personas["St"].pk,
        "u_Mo": personas["Mo"].pk,
    }


# The public concern's status link (its hash is stored, as a real one's).
STATUS_TOKEN = "MatrixStatusToken_0123456789"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _concerns(enterprise_1):
    """The intake queue: E1's concern {concern}, raised on the enterprise side with a file
    {concern_file} and no meeting yet; an unverified public-form concern {public_concern}
    that gives E1's credit code."""
    concern = IntakeItem.objects.create(
        enterprise=enterprise_1, origin=IntakeItem.Origin.CONTACT, text="Matrix raised concern"
    )
    concern_file = IntakeAttachment(
        item=concern,
        storage_key="0123456789abcdef0123456789abcdef.pdf",
        original_name="concern.pdf",
        content_type="application/pdf",
        size=len(PDF),
    )
    concern_file.file.save(concern_file.storage_key, ContentFile(PDF), save=False)
    concern_file.save()
    public_concern = IntakeItem.objects.create(
        origin=IntakeItem.Origin.PUBLIC, verified=False, text="Matrix public concern"
    )
    ConcernSender.objects.create(
        item=public_concern,
        token_hash=token_hash(STATUS_TOKEN),
        credit_code=enterprise_1.credit_code,
        company="Matrix company",
        name="Matrix sender",
        email="sender@example.com",
        language="en",
    )
    return concern, public_concern, concern_file
