"""The enterprise side's part of the access matrix's world (matrix_portal.yaml).

Besides the matrix's usual world (issue X of E1, led by A), with the contact personas of
``contact_personas`` (C1 of E1, C2 of E2 only, Cx whose link to E1 ended):

- {P_contact}: a contact of E1 with an e-mail address and no portal account yet, whom staff
  may invite; {P_linked}: C1's link (EnterpriseContact row), which staff may end.
- On X: a progress entry shared with the enterprise with attachment {P_att}, and an
  internal one with attachment {P_internal_att}.
- {P_Y}: an issue of E2; {P_Y_att}: a shared attachment of it.
"""

from django.core.files.uploadedfile import SimpleUploadedFile

from issues.attachments import store_attachment
from issues.models import ActionUpdate
from roundtable.enterprises.models import EnterpriseContact
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
    return {
        "P_contact": invitee.pk,
        "P_linked": linked.pk,
        "P_att": shared.pk,
        "P_internal_att": internal.pk,
        "P_Y": y.pk,
        "P_Y_att": y_att.pk,
    }
