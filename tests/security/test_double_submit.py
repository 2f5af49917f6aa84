"""A create form sent twice creates once (roundtable/accounts/submissions.py).

The form's token is stored with what it created, in the same transaction, not in the
session: a resubmission after the first answer was lost (a double click, a browser retry, a
session that could not be saved) finds the first object and is redirected to it."""

from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.sessions.backends.base import UpdateError
from django.test import Client
from django.utils import timezone

from issues.models import Issue, SpecialStudy
from roundtable.accounts import submissions
from roundtable.accounts.models import FormSubmission
from roundtable.enterprises.models import Enterprise
from roundtable.meetings.models import IntakeItem, Meeting
from roundtable.notifications import retention
from tests import factories
from tests.meetings.helpers import make_meeting, make_roundtable

pytestmark = pytest.mark.django_db

TOKEN = "f0rm-t0ken-0000000000000001"


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_issue_saved_before_the_session_failed_is_not_logged_again(staff, enterprise_1):
    category = factories.CategoryFactory()
    post = {
        "submission_token": TOKEN,
        "title": "Customs clearance of spare parts",
        "enterprise": enterprise_1.pk,
        "category": category.pk,
        "source": "hotline",
        "raised_on": "2026-09-01",
        "priority": "normal",
    }
    client = _signed_in(staff)
    # The issue is committed, then saving the session fails (the database went away):
    # the user sees an error page, not the issue, and sends the form again.
    with mock.patch(
        "django.contrib.sessions.backends.db.SessionStore.save", side_effect=UpdateError
    ):
        first = client.post("/issues/new/", post)
    assert Issue.objects.count() == 1
    issue = Issue.objects.get()
    assert first.status_code in (302, 400)

    second = client.post("/issues/new/", post, follow=True)
    assert Issue.objects.count() == 1
    assert second.redirect_chain == [(f"/issues/{issue.pk}/", 302)]
    assert "This form was already submitted; here is the issue." in second.content.decode()

    # A new session altogether (signed in again): still the same issue.
    again = _signed_in(staff).post("/issues/new/", post)
    assert again.status_code == 302 and again["Location"] == f"/issues/{issue.pk}/"
    assert Issue.objects.count() == 1
    assert FormSubmission.objects.get().object_id == issue.pk


def test_the_token_is_written_with_the_issue_or_not_at_all(staff, enterprise_1, dept_a):
    # The create fails halfway (the database went away): no issue and no token stay, so the
    # same form sent again is logged, once.
    post = {
        "submission_token": TOKEN,
        "title": "Refused first",
        "enterprise": enterprise_1.pk,
        "category": factories.CategoryFactory().pk,
        "source": "hotline",
        "raised_on": "2026-09-01",
        "priority": "normal",
    }
    client = _signed_in(staff)
    with mock.patch(
        "issues.services.editing.next_reference", side_effect=RuntimeError("database went away")
    ):
        with pytest.raises(RuntimeError):
            client.post("/issues/new/", post)
    assert not Issue.objects.exists() and not FormSubmission.objects.exists()
    assert client.post("/issues/new/", post).status_code == 302
    assert Issue.objects.count() == FormSubmission.objects.count() == 1


def test_a_token_is_the_users_own(staff, enterprise_1):
    other = factories.UserFactory(username="staff_two", roles=["commerce_staff"])
    post = {
        "submission_token": TOKEN,
        "title": "Same token, two people",
        "enterprise": enterprise_1.pk,
        "category": factories.CategoryFactory().pk,
        "source": "hotline",
        "raised_on": "2026-09-01",
        "priority": "normal",
    }
    assert _signed_in(staff).post("/issues/new/", post).status_code == 302
    assert _signed_in(other).post("/issues/new/", post).status_code == 302
    assert Issue.objects.count() == 2


def _when(delta=timedelta(hours=-2)):
    return timezone.localtime(timezone.now() + delta).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def create_forms(dept_a, enterprise_1, monitor):
    """Every form that creates something: (url, a valid post, the model it creates, where
    the resubmission lands given the created object)."""
    roundtable = make_roundtable(leading_department=dept_a)
    category = factories.CategoryFactory()
    intake = make_meeting(
        roundtable,
        topic="Intake open",
        starts_at=timezone.now() + timedelta(days=10),
        status=Meeting.Status.INTAKE_OPEN,
        enterprises=[enterprise_1],
    )
    held = make_meeting(
        roundtable, topic="Held", status=Meeting.Status.HELD, enterprises=[enterprise_1]
    )
    issue = factories.IssueFactory(enterprise=enterprise_1, category=category)
    deadline = (timezone.localdate() + timedelta(days=30)).isoformat()
    return {
        "issue": (
            "/issues/new/",
            {
                "title": "Customs clearance",
                "enterprise": enterprise_1.pk,
                "category": category.pk,
                "source": "hotline",
                "raised_on": "2026-09-01",
                "priority": "normal",
            },
            Issue,
            lambda obj: f"/issues/{obj.pk}/",
        ),
        "meeting": (
            "/meetings/new/",
            {
                "kind": "on_spot",
                "topic": "Loading bays",
                "form": "in_person",
                "starts_at": "2026-12-15T14:30",
                "ends_at": "2026-12-15T16:00",
            },
            Meeting,
            lambda obj: f"/meetings/{obj.pk}/",
        ),
        "visit": (
            "/meetings/visit/",
            {
                "enterprises": [enterprise_1.pk],
                "starts_at": _when(),
                "topic": "Expansion plans",
                "issues_raised": "Fire inspection slot\n",
                "category": category.pk,
            },
            Meeting,
            lambda obj: f"/meetings/{obj.pk}/",
        ),
        "enterprise": (
            "/enterprises/new/",
            {
                "name_zh": "莱茵精密工具（重庆）有限公司",
                "credit_code": "91350100M000100Y43",
                "country": "DE",
                "visit_interval_days": "90",
                "is_active": "on",
            },
            Enterprise,
            lambda obj: f"/enterprises/{obj.pk}/",
        ),
        "study": (
            "/issues/studies/new/",
            {
                "title": "Land-use approvals",
                "lead_department": dept_a.pk,
                "status": SpecialStudy.Status.IN_STUDY,
                "issues": [issue.pk],
            },
            SpecialStudy,
            lambda obj: f"/issues/studies/{obj.pk}/",
        ),
        "intake": (
            f"/meetings/{intake.pk}/intake/new/",
            {"enterprise": enterprise_1.pk, "text": "Warehouse permit", "category": category.pk},
            IntakeItem,
            lambda obj: f"/meetings/{intake.pk}/#intake",
        ),
        "point": (
            f"/meetings/{held.pk}/points/new/",
            {
                "title": "Issue the warehouse permit",
                "enterprise": enterprise_1.pk,
                "category": category.pk,
                "lead_department": dept_a.pk,
                "deadline": deadline,
                "monitor": monitor.pk,
                "priority": "normal",
            },
            Issue,
            lambda obj: f"/meetings/{held.pk}/#list",
        ),
    }


@pytest.mark.parametrize(
    "form", ["issue", "meeting", "visit", "enterprise", "study", "intake", "point"]
)
def test_every_create_form_sent_twice_creates_once(form, create_forms, staff):
    url, post, model, landing = create_forms[form]
    before = model.objects.count()
    # The form as the browser has it: its token comes with the page.
    page = _signed_in(staff).get(url)
    assert page.status_code == 200
    assert b'name="submission_token"' in page.content

    post = {**post, "submission_token": TOKEN}
    first = _signed_in(staff).post(url, post)
    assert first.status_code == 302, first.content.decode()[:2000]
    assert model.objects.count() == before + 1
    created = model.objects.order_by("-pk").first()

    # Sent again from a session that never heard of the first (it was lost).
    second = _signed_in(staff).post(url, post)
    assert model.objects.count() == before + 1
    assert second.status_code == 302
    assert second["Location"] == landing(created)
    assert FormSubmission.objects.filter(token=TOKEN).count() == 1


def test_the_nightly_purge_forgets_tokens_only_once_they_are_kept_long_enough(staff):
    now = timezone.now()
    for token, age in (("old", submissions.KEPT + timedelta(hours=1)), ("recent", timedelta(0))):
        row = FormSubmission.objects.create(user=staff, token=token, content_type_id=1, object_id=1)
        FormSubmission.objects.filter(pk=row.pk).update(created_at=now - age)
    report = retention.expired_purge(now=now)
    assert report.form_tokens == 1
    assert "1 double-submit tokens" in report.summary()
    assert list(FormSubmission.objects.values_list("token", flat=True)) == ["recent"]
