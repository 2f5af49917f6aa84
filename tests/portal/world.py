"""The enterprise side's part of the access matrix's world (matrix_portal.yaml).

Besides the matrix's usual world (issue X of E1, led by A), with the contact personas of
``contact_personas`` (C1 of E1, C2 of E2 only, Cx whose link to E1 ended):

- {P_contact}: a contact of E1 with an e-mail address and no portal account yet, whom staff
  may invite; {P_linked}: C1's link (EnterpriseContact row), which staff may end.
- On X: a progress entry shared with the enterprise with attachment {P_att}, and an
  internal one with attachment {P_internal_att}.
- {P_Y}: an issue of E2; {P_Y_att}: a shared attachment of it.
- {P_M}: a roundtable on 2026-10-20 to which E1 is invited ({P_place}: E1's place);
  {P_M2}: one to which only E2 is invited; {P_past}: a past one E1 took part in, its
  summary published; {P_visit}: a service visit to E1 (staff's record, not shown).
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile

from issues.attachments import store_attachment
from issues.models import ActionUpdate
from roundtable.enterprises.models import EnterpriseContact
from roundtable.meetings.models import Meeting, MeetingParticipant, Roundtable
from tests import factories

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def shared_progress(issue, *, body, visible, department=None, file_name=None, author=None):
    update = ActionUpdate.objects.create(
        issue=issue,
        kind=ActionUpdate.Kind.PROGRESS,
        body=body,
        department=department,
        author=author,
        visible_to_enterprise=visible,
    )
    attachment = None
    if file_name:
        attachment = store_attachment(
            issue=issue,
            uploaded_file=SimpleUploadedFile(file_name, PDF),
            user=author,
            update=update,
        )
    return update, attachment


def build(personas, x, ids) -> dict:
    enterprise_1 = x.enterprise
    invitee = EnterpriseContact.objects.create(
        enterprise=enterprise_1, name="Invitee", email="invitee@example.test"
    )
    linked = EnterpriseContact.objects.get(enterprise=enterprise_1, user=personas["C1"])
    lead = x.assignments.get(role="lead", is_current=True)
    _, shared = shared_progress(
        x,
        body="Site survey booked",
        visible=True,
        department=lead.department,
        author=personas["LA"],
        file_name="survey.pdf",
    )
    _, internal = shared_progress(
        x,
        body="Internal: waiting for the bureau chief",
        visible=False,
        department=lead.department,
        author=personas["LA"],
        file_name="internal.pdf",
    )
    enterprise_2 = EnterpriseContact.objects.get(user=personas["C2"]).enterprise
    y = factories.IssueFactory(title="Customs query 海关", enterprise=enterprise_2)
    _, y_att = shared_progress(y, body="Answered", visible=True, file_name="y.pdf")
    ids_meetings = meetings(enterprise_1, enterprise_2)
    return {
        **ids_meetings,
        "P_contact": invitee.pk,
        "P_linked": linked.pk,
        "P_att": shared.pk,
        "P_internal_att": internal.pk,
        "P_Y": y.pk,
        "P_Y_att": y_att.pk,
    }


SHANGHAI = ZoneInfo("Asia/Shanghai")


def meetings(enterprise_1, enterprise_2) -> dict:
    rt = Roundtable.objects.first() or Roundtable.objects.create(
        name_zh="测试圆桌会议",
        name_en="Test roundtable",
        jurisdiction="Test",
        leading_department=factories.DepartmentFactory(),
    )

    def meeting(topic, day, status, kind=Meeting.Kind.QUARTERLY_ROUNDTABLE, minutes=""):
        return Meeting.objects.create(
            roundtable=rt,
            kind=kind,
            topic=topic,
            starts_at=datetime(*day, 14, 30, tzinfo=SHANGHAI),
            status=status,
            minutes=minutes,
        )

    upcoming = meeting("Autumn roundtable on logistics", (2026, 10, 20), Meeting.Status.PLANNED)
    place = MeetingParticipant.objects.create(meeting=upcoming, enterprise=enterprise_1)
    others = meeting("Roundtable for E2 only", (2026, 10, 21), Meeting.Status.PLANNED)
    MeetingParticipant.objects.create(meeting=others, enterprise=enterprise_2)
    past = meeting(
        "Spring roundtable",
        (2026, 4, 15),
        Meeting.Status.MINUTES_PUBLISHED,
        minutes="Agreed: a single window for permits.",
    )
    MeetingParticipant.objects.create(meeting=past, enterprise=enterprise_1)
    visit = meeting("Visit to E1", (2026, 9, 1), Meeting.Status.HELD, kind=Meeting.Kind.ONE_ON_ONE)
    MeetingParticipant.objects.create(meeting=visit, enterprise=enterprise_1)
    return {
        "P_M": upcoming.pk,
        "P_place": place.pk,
        "P_M2": others.pk,
        "P_past": past.pk,
        "P_visit": visit.pk,
    }
