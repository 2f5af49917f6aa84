"""A contact follows their enterprise's issues (issue 17): what they read, and what they
never read; adding information; confirming the conclusion with their satisfaction."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from issues.models import ActionUpdate, Attachment, Issue
from roundtable.notifications.models import Notification
from tests import factories
from tests.portal.world import PDF

pytestmark = pytest.mark.django_db


def _page(client, user, path):
    client.force_login(user)
    response = client.get(path)
    return response, response.content.decode()


def test_the_list_shows_their_issues_with_status_deadline_and_lead(
    client, contact_1, x_in_progress
):
    response, page = _page(client, contact_1, reverse("portal:issues"))

    assert response.status_code == 200
    assert x_in_progress.reference in page and "用地审批" in page
    assert "2026-12-09" in page
    assert "Department A" in page or "甲局" in page
    assert "In progress" in page


def test_another_enterprises_contact_sees_neither_list_entry_nor_page(
    client, contact_2, x_in_progress
):
    response, page = _page(client, contact_2, reverse("portal:issues"))
    assert x_in_progress.reference not in page

    detail = client.get(reverse("portal:issue", args=[x_in_progress.pk]))
    assert detail.status_code == 404
    assert "用地审批" not in detail.content.decode()


def test_the_issue_page_shows_shared_progress_and_never_internal_notes_or_people(
    client, contact_1, x_in_progress, liaison_a, liaison_b, monitor
):
    response, page = _page(client, contact_1, reverse("portal:issue", args=[x_in_progress.pk]))

    assert response.status_code == 200
    assert "Site survey booked for Friday" in page
    assert "Internal: the bureau chief" not in page
    assert "批示" not in page and "Settle it this month" not in page
    for person in (liaison_a, liaison_b, monitor):
        assert person.display_name not in page
        assert person.email not in page
    assert "Department B" in page or "乙局" in page  # the co-handling department's name


def test_the_designated_official_is_the_only_staff_contact_shown(
    client, contact_1, x_in_progress, enterprise_1, staff
):
    official = factories.UserFactory(
        username="official", full_name="Official Zhao", office_phone="023-6000-0000"
    )
    enterprise_1.designated_official = official
    enterprise_1.service_contact = staff
    enterprise_1.save()

    _, page = _page(client, contact_1, reverse("portal:issue", args=[x_in_progress.pk]))

    assert "Official Zhao" in page and "023-6000-0000" in page
    assert staff.display_name not in page


def test_an_internal_attachment_and_another_issues_attachment_are_404(
    client, contact_1, x_in_progress, liaison_a, enterprise_2
):
    internal = x_in_progress.updates.get(body__startswith="Internal")
    hidden = Attachment.objects.create(
        issue=x_in_progress,
        update=internal,
        file="attachments/x.pdf",
        storage_key="k1",
        original_name="x.pdf",
        content_type="application/pdf",
        size=3,
    )
    y = factories.IssueFactory(enterprise=enterprise_2)
    theirs = Attachment.objects.create(
        issue=y,
        update=ActionUpdate.objects.create(
            issue=y, kind="progress", body="theirs", visible_to_enterprise=True
        ),
        file="attachments/y.pdf",
        storage_key="k2",
        original_name="y.pdf",
        content_type="application/pdf",
        size=3,
    )
    client.force_login(contact_1)

    for issue_pk, attachment_pk in ((x_in_progress.pk, hidden.pk), (x_in_progress.pk, theirs.pk)):
        url = reverse("portal:attachment", args=[issue_pk, attachment_pk])
        assert client.get(url).status_code == 404
    assert client.get(reverse("portal:attachment", args=[y.pk, theirs.pk])).status_code == 404


# --- Adding information -----------------------------------------------------------------


def test_added_information_reaches_the_lead_departments_timeline(
    client, contact_1, x_in_progress, liaison_a, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(contact_1)

    response = client.post(
        reverse("portal:issue_add_information", args=[x_in_progress.pk]),
        {
            "body": "Our permit application number is 12-345",
            "files": [SimpleUploadedFile("application.pdf", PDF)],
        },
    )

    assert response.status_code == 302
    entry = x_in_progress.updates.get(kind=ActionUpdate.Kind.ENTERPRISE_INFO)
    assert entry.visible_to_enterprise and entry.author == contact_1
    assert entry.attachments.get().original_name == "application.pdf"
    assert Notification.objects.filter(recipient=liaison_a).exists()
    client.force_login(liaison_a)
    staff_page = client.get(reverse("issues:detail", args=[x_in_progress.pk])).content.decode()
    assert "Our permit application number is 12-345" in staff_page
    assert "Information from the enterprise" in staff_page
    _, page = _page(client, contact_1, reverse("portal:issue", args=[x_in_progress.pk]))
    assert "Our permit application number is 12-345" in page and "application.pdf" in page


def test_a_refused_attachment_keeps_the_text_and_writes_nothing(
    client, contact_1, x_in_progress, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(contact_1)

    response = client.post(
        reverse("portal:issue_add_information", args=[x_in_progress.pk]),
        {"body": "Please see the file", "files": [SimpleUploadedFile("run.exe", b"MZ\x90\x00")]},
    )

    assert response.status_code == 400
    assert "Please see the file" in response.content.decode()
    assert not x_in_progress.updates.filter(kind=ActionUpdate.Kind.ENTERPRISE_INFO).exists()
    assert list(tmp_path.rglob("*.exe")) == []


def test_information_cannot_be_added_to_another_enterprises_issue(client, contact_2, x_in_progress):
    client.force_login(contact_2)
    response = client.post(
        reverse("portal:issue_add_information", args=[x_in_progress.pk]), {"body": "Hello"}
    )
    assert response.status_code == 404
    assert not x_in_progress.updates.filter(kind=ActionUpdate.Kind.ENTERPRISE_INFO).exists()


# --- Confirming the conclusion ----------------------------------------------------------


def test_a_satisfied_confirmation_closes_the_issue_as_the_enterprises_own_rating(
    client, contact_1, x_concluded, staff
):
    client.force_login(contact_1)
    response = client.post(
        reverse("portal:issue_confirm", args=[x_concluded.pk]),
        # Fields a form does not have are ignored (mass assignment).
        {"satisfaction": "basically", "comment": "Took long", "satisfaction_by": "staff"},
    )

    assert response.status_code == 302
    x_concluded.refresh_from_db()
    assert x_concluded.status == Issue.Status.CLOSED
    assert x_concluded.satisfaction == Issue.Satisfaction.BASICALLY_SATISFIED
    assert x_concluded.satisfaction_by == Issue.RatedBy.ENTERPRISE
    _, page = _page(client, contact_1, reverse("portal:issue", args=[x_concluded.pk]))
    assert "Permit issued on 3 December" in page
    assert "given by your enterprise on the portal" in page
    _, staff_page = _page(client, staff, reverse("issues:detail", args=[x_concluded.pk]))
    assert "The enterprise, on the portal" in staff_page


def test_dissatisfied_needs_a_reason_then_reopens_the_issue(client, contact_1, x_concluded):
    client.force_login(contact_1)
    url = reverse("portal:issue_confirm", args=[x_concluded.pk])

    refused = client.post(url, {"satisfaction": "dissatisfied", "comment": ""})
    assert refused.status_code == 400
    x_concluded.refresh_from_db()
    assert x_concluded.status == Issue.Status.CONCLUSION_REPORTED

    client.post(url, {"satisfaction": "dissatisfied", "comment": "The permit has the wrong plot"})
    x_concluded.refresh_from_db()
    assert x_concluded.status == Issue.Status.IN_PROGRESS
    assert x_concluded.reopened_count == 1
    assert x_concluded.satisfaction_by == Issue.RatedBy.ENTERPRISE
    reopened = x_concluded.updates.get(kind=ActionUpdate.Kind.REOPENED)
    assert reopened.body == "The permit has the wrong plot"


def test_an_issue_not_yet_concluded_cannot_be_confirmed(client, contact_1, x_in_progress):
    client.force_login(contact_1)
    response = client.post(
        reverse("portal:issue_confirm", args=[x_in_progress.pk]), {"satisfaction": "satisfied"}
    )
    assert response.status_code == 409
    x_in_progress.refresh_from_db()
    assert x_in_progress.status == Issue.Status.IN_PROGRESS


def test_staff_recording_a_phone_confirmation_is_marked_as_staffs(client, staff, x_concluded):
    client.force_login(staff)
    client.post(
        reverse("issues:close", args=[x_concluded.pk]),
        {"satisfaction": "satisfied", "version": x_concluded.version},
    )
    x_concluded.refresh_from_db()
    assert x_concluded.status == Issue.Status.CLOSED
    assert x_concluded.satisfaction_by == Issue.RatedBy.STAFF


def test_the_lead_department_chooses_what_the_enterprise_reads(client, liaison_a, x_in_progress):
    client.force_login(liaison_a)
    client.post(
        reverse("issues:progress", args=[x_in_progress.pk]),
        {"body": "Shared on purpose", "visible_to_enterprise": "on"},
    )
    client.post(reverse("issues:progress", args=[x_in_progress.pk]), {"body": "Kept inside"})

    shared = dict(
        x_in_progress.updates.filter(body__in=["Shared on purpose", "Kept inside"]).values_list(
            "body", "visible_to_enterprise"
        )
    )
    assert shared == {"Shared on purpose": True, "Kept inside": False}


def test_the_kpi_selectors_tell_the_enterprises_ratings_from_staffs(
    client, contact_1, staff, x_concluded, enterprise_1, dept_a
):
    from django.utils import timezone

    from issues.kpi_selectors import rated_by_enterprise_in, rated_by_staff_in, rated_in
    from roundtable.lib.periods import quarter_of

    client.force_login(contact_1)
    client.post(
        reverse("portal:issue_confirm", args=[x_concluded.pk]), {"satisfaction": "satisfied"}
    )
    other = factories.IssueFactory(
        enterprise=enterprise_1,
        status="closed",
        closed_at=timezone.now(),
        satisfaction="satisfied",
        satisfaction_by="staff",
    )
    period = quarter_of(timezone.localdate())

    assert set(Issue.objects.filter(rated_in(period)).values_list("pk", flat=True)) == {
        x_concluded.pk,
        other.pk,
    }
    assert list(
        Issue.objects.filter(rated_by_enterprise_in(period)).values_list("pk", flat=True)
    ) == [x_concluded.pk]
    assert list(Issue.objects.filter(rated_by_staff_in(period)).values_list("pk", flat=True)) == [
        other.pk
    ]
