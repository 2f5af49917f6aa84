"""Special studies change their issues through issues.studies: each issue row locked, its
version bumped (an edit form opened before notices) and a history row with actor and reason."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from issues import services, studies
from issues.models import Issue, SpecialStudy
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def locked_models(monkeypatch):
    """The models whose rows were selected for update."""
    seen = []
    original = QuerySet.select_for_update

    def spy(self, *args, **kwargs):
        seen.append(self.model)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "select_for_update", spy)
    return seen


def _fields(dept, **extra):
    return {
        "title": "Cross-border payments",
        "lead_department": dept,
        "status": SpecialStudy.Status.IN_STUDY,
        "description": "",
        "findings": "",
        "policy_outcome": "",
        **extra,
    }


def _last_history(issue):
    return issue.history.order_by("-history_id").first()


def test_creating_a_study_locks_bumps_and_records_each_linked_issue(staff, dept_a, locked_models):
    x, y = factories.IssueFactory(), factories.IssueFactory()
    versions = {x.pk: x.version, y.pk: y.version}

    study = studies.special_study_create(actor=staff, issues=[x, y], **_fields(dept_a))

    assert study.created_by == staff
    assert locked_models.count(Issue) == 2
    for issue in (x, y):
        issue.refresh_from_db()
        assert issue.special_study == study
        assert issue.version == versions[issue.pk] + 1
        record = _last_history(issue)
        assert record.history_user == staff
        assert record.history_change_reason == "added to special study"
    assert study.history.get().history_user == staff


def test_editing_a_study_unlinks_and_links_with_a_new_version(staff, dept_a, locked_models):
    x, y = factories.IssueFactory(), factories.IssueFactory()
    study = studies.special_study_create(actor=staff, issues=[x], **_fields(dept_a))
    x.refresh_from_db()
    opened_at = x.version
    locked_models.clear()

    studies.special_study_update(
        actor=staff, study=study, issues=[y], **_fields(dept_a, findings="Found.")
    )

    study.refresh_from_db()
    assert study.findings == "Found."
    assert set(study.issues.all()) == {y}
    assert locked_models.count(Issue) == 2
    x.refresh_from_db()
    assert x.special_study is None
    assert x.version == opened_at + 1
    assert _last_history(x).history_change_reason == "removed from special study"
    assert _last_history(y).history_change_reason == "added to special study"
    # An edit form opened before the study took the issue away sees it changed.
    with pytest.raises(services.StaleVersion):
        services.issue_update(actor=staff, issue=x, expected_version=opened_at, title="New")


def test_an_issue_already_in_the_study_is_left_alone(staff, dept_a):
    x = factories.IssueFactory()
    study = studies.special_study_create(actor=staff, issues=[x], **_fields(dept_a))
    x.refresh_from_db()
    version, records = x.version, x.history.count()

    studies.special_study_update(actor=staff, study=study, issues=[x], **_fields(dept_a))

    x.refresh_from_db()
    assert (x.version, x.history.count()) == (version, records)


def test_only_commerce_staff_change_studies(liaison_a, dept_a):
    x = factories.IssueFactory()
    with pytest.raises(PermissionDenied):
        studies.special_study_create(actor=liaison_a, issues=[x], **_fields(dept_a))
    x.refresh_from_db()
    assert x.special_study is None and not SpecialStudy.objects.exists()


def test_the_edit_page_saves_through_the_service(staff, dept_a):
    x, y = factories.IssueFactory(), factories.IssueFactory()
    study = studies.special_study_create(actor=staff, issues=[x], **_fields(dept_a))
    x.refresh_from_db()
    version = x.version
    post = {
        **_fields(dept_a, title="Renamed", findings="Found."),
        "lead_department": dept_a.pk,
        "issues": [y.pk],
    }

    response = factories.client_as(staff).post(f"/issues/studies/{study.pk}/edit/", post)

    assert response.status_code == 302
    study.refresh_from_db()
    assert (study.title, study.findings) == ("Renamed", "Found.")
    assert set(study.issues.all()) == {y}
    x.refresh_from_db()
    assert (x.special_study, x.version) == (None, version + 1)
    assert _last_history(y).history_user == staff


def test_the_issue_timeline_says_when_it_enters_and_leaves_a_study(client, staff, dept_a):
    x = factories.IssueFactory()
    study = studies.special_study_create(actor=staff, issues=[x], **_fields(dept_a))
    studies.special_study_update(actor=staff, study=study, issues=[], **_fields(dept_a))
    kinds = list(x.updates.order_by("pk").values_list("kind", "body", "author"))
    assert kinds[-2:] == [
        ("study_in", "Cross-border payments", staff.pk),
        ("study_out", "Cross-border payments", staff.pk),
    ]
    client.force_login(staff)
    page = client.get(f"/issues/{x.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Taken into a special study" in page and "Taken out of a special study" in page
