"""SECURITY.md §2: the abuse cases that touch the ledger."""

from datetime import date

import pytest
import time_machine
from django.test import Client

from issues import services
from issues.models import ActionUpdate, Issue
from tests import factories

pytestmark = pytest.mark.django_db

XSS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "</textarea><svg onload=alert(1)>",
]


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel("2026-09-29 10:00 +0800", tick=False):
        yield


@pytest.fixture
def x(staff, enterprise_1, monitor, dept_a, dept_b, liaison_a, liaison_b):
    issue = services.issue_create(
        actor=staff,
        title="Land-use permit delayed 项目用地审批",
        description="Phase two of the plant",
        enterprise=enterprise_1,
        category=factories.CategoryFactory(),
        source=Issue.Source.HOTLINE,
        raised_on=date(2026, 9, 1),
        monitor=monitor,
        lead_department=dept_a,
        co_departments=[dept_b],
        deadline=date(2026, 10, 9),
    )
    services.assignment_accept(actor=liaison_a, assignment=issue.assignments.get(role="lead"))
    services.assignment_accept(actor=liaison_b, assignment=issue.assignments.get(role="co"))
    issue.refresh_from_db()
    return issue


_as = factories.client_as


# --- Access and IDOR ----------------------------------------------------------------------


def test_unrelated_liaison_walking_ids_gets_404_and_writes_nothing(x, liaison_c):
    client = _as(liaison_c)
    history_before = x.history.count()
    for pk in range(x.pk - 2, x.pk + 3):
        page = client.get(f"/issues/{pk}/")
        assert page.status_code == 404
        post = client.post(f"/issues/{pk}/progress/", {"body": "hijack"})
        assert post.status_code == 404
        assert "用地审批" not in page.content.decode()
    assert x.history.count() == history_before
    assert not ActionUpdate.objects.filter(body="hijack").exists()


def test_co_handler_cannot_conclude_or_request_extension(x, liaison_b):
    client = _as(liaison_b)
    assert client.post(f"/issues/{x.pk}/conclude/", {"resolution": "done"}).status_code == 403
    assert (
        client.post(
            f"/issues/{x.pk}/extension/", {"requested_deadline": "2026-12-01", "reason": "x"}
        ).status_code
        == 403
    )
    x.refresh_from_db()
    assert x.status == Issue.Status.IN_PROGRESS


def test_extra_fields_on_a_progress_post_are_ignored(x, liaison_a, dept_c):
    response = _as(liaison_a).post(
        f"/issues/{x.pk}/progress/",
        {
            "body": "Visited the site",
            "deadline": "2030-01-01",
            "lead_department": dept_c.pk,
            "status": "closed",
        },
    )
    assert response.status_code == 302
    x.refresh_from_db()
    assert x.deadline == date(2026, 10, 9)
    assert x.status == Issue.Status.IN_PROGRESS
    assert x.assignments.current().get(role="lead").department_id != dept_c.pk


@pytest.mark.parametrize("query", ["_connector=OR", "_negated=1", "status=bogus", "sort=;drop"])
def test_odd_query_strings_never_break_the_ledger(x, staff, query):
    response = _as(staff).get(f"/issues/?{query}")
    assert response.status_code == 200


def test_export_of_an_unrelated_liaison_has_only_their_rows(x, liaison_c, dept_c, staff):
    mine = factories.IssueFactory(title="Liaison C's own issue")
    factories.AssignmentFactory(issue=mine, department=dept_c, role="lead")
    csv = b"".join(_as(liaison_c).get("/issues/export.csv").streaming_content).decode("utf-8-sig")
    rows = [line for line in csv.splitlines()[1:] if line.strip()]
    ledger = _as(liaison_c).get("/issues/")
    assert len(rows) == ledger.context["page"].paginator.count == 1
    assert "Liaison C's own issue" in csv
    assert x.reference not in csv


def test_unrelated_liaison_cannot_read_history_here_or_in_the_admin(x, liaison_c):
    client = _as(liaison_c)
    assert client.get(f"/issues/{x.pk}/history/").status_code == 404
    admin = client.get(f"/admin/issues/issue/{x.pk}/history/")
    assert admin.status_code == 302 and "/admin/login/" in admin["Location"]


def test_chair_cannot_edit(x, chair):
    response = _as(chair).post(f"/issues/{x.pk}/edit/", {"title": "Changed by chair"})
    assert response.status_code == 403
    x.refresh_from_db()
    assert x.title.startswith("Land-use")


# --- Input and rendering ------------------------------------------------------------------


@pytest.mark.parametrize("payload", XSS)
def test_markup_in_titles_and_names_is_shown_as_text(payload, staff, dept_a, enterprise_1):
    enterprise_1.name_en = payload
    enterprise_1.save()
    dept_a.name_en = payload
    dept_a.save()
    issue = services.issue_create(
        actor=staff,
        title=payload,
        description=payload,
        enterprise=enterprise_1,
        category=factories.CategoryFactory(),
        source="other",
        raised_on=date(2026, 9, 1),
        lead_department=dept_a,
        deadline=date(2026, 10, 9),
    )
    client = _as(staff)
    for url in ("/issues/", f"/issues/{issue.pk}/", f"/issues/{issue.pk}/history/"):
        body = client.get(url).content.decode()
        assert payload not in body, url
        assert "&lt;" in body


def test_an_overlong_title_and_description_are_refused_and_kept(staff, enterprise_1):
    category = factories.CategoryFactory()
    long_title = "标" * 10_000
    long_description = "x" * 1_000_000
    response = _as(staff).post(
        "/issues/new/",
        {
            "title": long_title,
            "description": long_description,
            "enterprise": enterprise_1.pk,
            "category": category.pk,
            "source": "hotline",
            "raised_on": "2026-09-01",
            "priority": "normal",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "title" in form.errors and "description" in form.errors
    assert "200" in form.errors["title"][0]
    assert form["title"].value() == long_title
    assert not Issue.objects.exists()


@pytest.mark.parametrize(
    ("deadline", "field_in_error"),
    [
        ("2026-02-30", "deadline"),
        ("0001-01-01", "deadline"),
        ("9999-12-31", "deadline"),
        ("2026-08-01", "deadline"),  # before the day raised
    ],
)
def test_impossible_deadlines_are_refused_and_the_form_kept(
    staff, enterprise_1, dept_a, deadline, field_in_error
):
    response = _as(staff).post(
        "/issues/new/",
        {
            "title": "Visa for engineers",
            "enterprise": enterprise_1.pk,
            "category": factories.CategoryFactory().pk,
            "source": "hotline",
            "raised_on": "2026-09-01",
            "priority": "normal",
            "lead_department": dept_a.pk,
            "deadline": deadline,
        },
    )
    assert response.status_code == 200
    assert field_in_error in response.context["form"].errors
    assert response.context["form"]["title"].value() == "Visa for engineers"
    assert not Issue.objects.exists()


def test_a_deadline_on_a_holiday_is_saved_with_a_warning(staff, enterprise_1, dept_a):
    response = _as(staff).post(
        "/issues/new/",
        {
            "title": "Visa for engineers",
            "enterprise": enterprise_1.pk,
            "category": factories.CategoryFactory().pk,
            "source": "hotline",
            "raised_on": "2026-09-01",
            "priority": "normal",
            "lead_department": dept_a.pk,
            "deadline": "2026-10-03",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert Issue.objects.get().deadline == date(2026, 10, 3)
    assert any("not a working day" in str(m) for m in response.context["messages"])


def test_deadline_in_working_days_skips_national_day(staff, enterprise_1, dept_a):
    _as(staff).post(
        "/issues/new/",
        {
            "title": "Visa for engineers",
            "enterprise": enterprise_1.pk,
            "category": factories.CategoryFactory().pk,
            "source": "hotline",
            "raised_on": "2026-09-29",
            "priority": "normal",
            "lead_department": dept_a.pk,
            "deadline_working_days": 3,
        },
    )
    assert Issue.objects.get().deadline == date(2026, 10, 9)


def test_a_provisional_deadline_says_so(x, staff):
    Issue.objects.filter(pk=x.pk).update(deadline=date(2027, 3, 1))
    body = _as(staff).get(f"/issues/{x.pk}/").content.decode()
    assert "provisional" in body


@pytest.mark.parametrize("path", ["/issues/99999999999999999999/", "/issues/-1/", "/issues/abc/"])
def test_malformed_issue_ids_give_404(staff, path):
    assert _as(staff).get(path).status_code == 404


# --- Workflow -----------------------------------------------------------------------------


def test_a_double_submitted_create_makes_one_issue(staff, enterprise_1):
    client = _as(staff)
    data = {
        "title": "Customs",
        "enterprise": enterprise_1.pk,
        "category": factories.CategoryFactory().pk,
        "source": "hotline",
        "raised_on": "2026-09-01",
        "priority": "normal",
        "submission_token": "tok-123",
    }
    first = client.post("/issues/new/", data)
    second = client.post("/issues/new/", data)
    assert Issue.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_conclude_before_accepting_is_refused_with_a_message(
    staff, enterprise_1, dept_a, liaison_a
):
    issue = services.issue_create(
        actor=staff,
        title="Fresh",
        enterprise=enterprise_1,
        category=factories.CategoryFactory(),
        source="other",
        raised_on=date(2026, 9, 1),
        lead_department=dept_a,
        deadline=date(2026, 10, 9),
    )
    response = _as(liaison_a).post(f"/issues/{issue.pk}/conclude/", {"resolution": "All done"})
    assert response.status_code == 409
    assert "accepted" in response.content.decode()
    assert "All done" in response.content.decode()  # the typed text is kept
    issue.refresh_from_db()
    assert issue.status == Issue.Status.ASSIGNED


def test_a_stale_edit_shows_the_conflict_and_keeps_the_typed_text(x, staff):
    client = _as(staff)
    form = client.get(f"/issues/{x.pk}/edit/").context["form"]
    version = form.initial["version"]
    services.issue_update(actor=staff, issue=x, expected_version=version, title="Changed meanwhile")
    data = {
        "title": "My careful rewrite",
        "description": "Long typed text",
        "enterprise": x.enterprise_id,
        "category": x.category_id,
        "source": x.source,
        "raised_on": "2026-09-01",
        "priority": "normal",
        "version": version,
    }
    response = client.post(f"/issues/{x.pk}/edit/", data)
    assert response.status_code == 409
    body = response.content.decode()
    assert "Changed meanwhile" in body and "My careful rewrite" in body
    x.refresh_from_db()
    assert x.title == "Changed meanwhile"
    # Saving again, having seen the conflict, goes through.
    data["version"] = response.context["form"].data["version"]
    assert client.post(f"/issues/{x.pk}/edit/", data).status_code == 302
    x.refresh_from_db()
    assert x.title == "My careful rewrite"


def test_get_on_a_state_changing_url_is_405(x, staff):
    assert _as(staff).get(f"/issues/{x.pk}/close/").status_code == 405


def test_post_without_csrf_token_is_refused(x, liaison_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(liaison_a)
    response = client.post(f"/issues/{x.pk}/progress/", {"body": "no token"})
    assert response.status_code == 403
    assert not ActionUpdate.objects.filter(body="no token").exists()


# --- Files --------------------------------------------------------------------------------


def test_an_oversized_upload_is_refused_before_it_is_read(x, liaison_a, settings, tmp_path):
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    body = b"x" * (4 * 1024 * 1024)
    response = _as(liaison_a).generic(
        "POST",
        f"/issues/{x.pk}/attachments/",
        data=body,
        content_type="multipart/form-data; boundary=zzz",
    )
    assert response.status_code == 413
    assert x.attachments.count() == 0


def test_a_thousand_files_in_one_request_are_refused(x, liaison_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    files = [SimpleUploadedFile(f"f{i}.txt", b"hello") for i in range(1000)]
    response = _as(liaison_a).post(f"/issues/{x.pk}/attachments/", {"file": files})
    assert response.status_code == 400
    assert x.attachments.count() == 0


def test_an_overdue_issue_page_says_how_late_it_is(x, staff):
    # Deadline Thu 24 Sep; today Tue 29 Sep. Fri 25 Sep is Mid-Autumn Festival, so only
    # Mon 28 and Tue 29 count.
    Issue.objects.filter(pk=x.pk).update(deadline=date(2026, 9, 24))
    response = _as(staff).get(f"/issues/{x.pk}/")
    assert response.status_code == 200
    assert "2 working days late" in response.content.decode()


def test_history_shows_translated_reasons_and_names(x, staff, enterprise_2):
    services.issue_update(
        actor=staff, issue=x, expected_version=x.version, other_enterprises=[enterprise_2]
    )
    client = _as(staff)
    body = client.get(f"/issues/{x.pk}/history/").content.decode()
    assert "Enterprise Two" in body
    staff.preferred_language = "zh-hans"
    staff.save()
    body = client.get(f"/issues/{x.pk}/history/").content.decode()
    assert "受理" in body  # "accepted", in the reader's language
