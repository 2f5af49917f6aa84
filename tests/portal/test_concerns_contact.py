"""A signed-in contact raises a concern for their enterprise and follows their enterprise's
concerns with the staff's decision and reason; nothing of another enterprise's, and nothing
a contact may not set (status, enterprise, verification)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from issues.models import Issue
from roundtable.meetings.models import IntakeAttachment, IntakeItem
from roundtable.meetings.services import concerns as services
from tests import factories
from tests.factories import make_contact

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def contact_1(contact_personas):
    return contact_personas["C1"]


@pytest.fixture
def contact_2(contact_personas):
    return contact_personas["C2"]


@pytest.fixture
def contact_ended(contact_personas):
    return contact_personas["Cx"]


@pytest.fixture
def category(db):
    return factories.CategoryFactory(code="customs", name_en="Customs", name_zh="海关")


def _raise(client, **overrides):
    data = {"text": "Customs clearance takes two weeks.", "may_discuss": "on"}
    data.update(overrides)
    return client.post("/portal/concerns/new/", data)


def test_contact_raises_a_concern_with_a_file_and_it_lands_in_the_staff_queue(
    client, contact_1, enterprise_1, staff, category
):
    client.force_login(contact_1)
    assert client.get("/portal/concerns/new/").status_code == 200
    response = _raise(
        client,
        category=category.pk,
        files=[SimpleUploadedFile("bill of lading.pdf", PDF, content_type="application/pdf")],
    )
    assert response.status_code == 302
    item = IntakeItem.objects.get()
    assert (item.enterprise, item.origin, item.raised_by, item.meeting) == (
        enterprise_1,
        "contact",
        contact_1,
        None,
    )
    assert item.may_discuss and item.verified and item.category == category
    assert item.attachments.get().original_name == "bill of lading.pdf"
    client.force_login(staff)
    assert "Customs clearance takes two weeks." in client.get("/concerns/").content.decode()


def test_contact_reads_the_decision_and_reason_in_their_language(
    client, enterprise_1, staff, category
):
    contact = make_contact(enterprise_1, username="contact_ja", language="ja")
    client.force_login(contact)
    _raise(client)
    item = IntakeItem.objects.get()
    issue = services.intake_item_accept(
        actor=staff, item=item, title="Slow customs", category=category, reason="担当部署に送ります"
    )
    body = client.get("/portal/concerns/").content.decode()
    assert "担当部署に送ります" in body
    assert issue.reference in body
    assert "Taken up as a ledger issue" not in body  # worded in Japanese


def test_contact_cannot_set_status_enterprise_or_verification(
    client, contact_1, enterprise_2, issue_x
):
    client.force_login(contact_1)
    response = _raise(client, enterprise=enterprise_2.pk)
    assert response.status_code == 400
    assert "Customs clearance takes two weeks." in response.content.decode()
    assert not IntakeItem.objects.exists()
    response = _raise(
        client, status="accepted", verified="0", issue=issue_x.pk, origin="staff", meeting="1"
    )
    assert response.status_code == 302
    item = IntakeItem.objects.get()
    assert (item.status, item.origin, item.issue, item.meeting) == ("open", "contact", None, None)
    assert item.decided_at is None and item.outcome_reason == ""


def test_files_are_checked_as_issue_attachments_are(client, contact_1, settings):
    client.force_login(contact_1)
    fake = SimpleUploadedFile("report.pdf", b"<html><script>alert(1)</script></html>")
    response = _raise(client, files=[fake])
    assert response.status_code == 400
    assert "Customs clearance takes two weeks." in response.content.decode()
    settings.ATTACHMENT_MAX_BYTES = 10
    response = _raise(client, files=[SimpleUploadedFile("a.pdf", PDF)])
    assert response.status_code == 400
    settings.ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
    many = [SimpleUploadedFile(f"f{n}.pdf", PDF) for n in range(11)]
    assert _raise(client, files=many).status_code == 400
    assert not IntakeItem.objects.exists() and not IntakeAttachment.objects.exists()


def test_another_enterprises_contact_sees_nothing_of_it(client, contact_1, contact_2):
    client.force_login(contact_1)
    _raise(client, files=[SimpleUploadedFile("secret.pdf", PDF)])
    item = IntakeItem.objects.get()
    attachment = item.attachments.get()
    file_url = f"/portal/concerns/{item.pk}/files/{attachment.pk}/"
    assert client.get(file_url).status_code == 200
    client.force_login(contact_2)
    body = client.get("/portal/concerns/").content.decode()
    assert "Customs clearance" not in body and "secret.pdf" not in body
    assert client.get(file_url).status_code == 404
    # Guessing the ids the other way round, and the staff's queue, are closed too.
    assert client.get(f"/portal/concerns/{item.pk + 1}/files/{attachment.pk}/").status_code == 404
    assert client.get(f"/concerns/{item.pk}/").status_code == 403
    assert client.get(f"/concerns/{item.pk}/files/{attachment.pk}/").status_code == 403


def test_a_contact_whose_link_ended_loses_the_pages(client, contact_ended):
    client.force_login(contact_ended)
    assert client.get("/portal/concerns/").status_code == 403
    assert _raise(client).status_code == 403
    assert not IntakeItem.objects.exists()


def test_public_form_sends_a_signed_in_contact_to_their_own_form(client, contact_1):
    client.force_login(contact_1)
    response = client.get("/portal/concern/")
    assert response.status_code == 302 and response["Location"] == "/portal/concerns/new/"


def test_staff_recorded_and_unverified_concerns(client, contact_1, enterprise_1, staff):
    IntakeItem.objects.create(enterprise=enterprise_1, text="Recorded by staff at a visit")
    services.concern_submit_public(
        credit_code=enterprise_1.credit_code,
        company="Claims to be E1",
        name="x",
        email="x@example.com",
        text="Unverified claim",
        category=None,
        language="en",
    )
    client.force_login(contact_1)
    body = client.get("/portal/concerns/").content.decode()
    assert "Recorded by staff at a visit" in body
    assert "Unverified claim" not in body  # until staff match it to E1
    assert not Issue.objects.exists()
