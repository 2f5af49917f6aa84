"""The API's reads: the ledger's own filters and its refusal of a bad filter, a whitelisted
order, cursor pages whose query count does not grow with the ledger, answers in the token
owner's language, and the preconditions of a write."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from issues.models import Issue
from roundtable.accounts import api_tokens
from roundtable.api.errors import PreconditionRequired
from tests import factories

pytestmark = pytest.mark.django_db


def _key(user, scope="read"):
    return {
        "Authorization": f"Bearer {api_tokens.token_create(user=user, name='t', scope=scope)[1]}"
    }


def _issues(n, **kwargs):
    return [factories.IssueFactory(status="logged", **kwargs) for _ in range(n)]


def test_the_ledger_filters_apply_and_a_bad_filter_lists_nothing(client, staff):
    logged = _issues(2)
    closed = factories.IssueFactory(status="closed", closed_at=timezone.now(), title="Closed one")
    auth = _key(staff)
    listed = client.get("/api/issues/?status=closed", headers=auth).json()
    assert [row["id"] for row in listed["results"]] == [closed.pk]
    listed = client.get("/api/issues/?status=logged&sort=raised", headers=auth).json()
    assert {row["id"] for row in listed["results"]} == {i.pk for i in logged}
    # A filter with an error answers 400 with the field's error, never the whole ledger.
    refused = client.get("/api/issues/?raised_from=2026-02-30", headers=auth)
    assert refused.status_code == 400
    assert list(refused.json()) == ["raised_from"]
    # Only the whitelisted orders; Django's query internals are ignored, never a 500.
    assert client.get("/api/issues/?sort=status", headers=auth).status_code == 400
    assert client.get("/api/issues/?sort=password", headers=auth).status_code == 400
    ignored = client.get("/api/issues/?_connector=OR&_negated=1", headers=auth)
    assert ignored.status_code == 200 and len(ignored.json()["results"]) == 3


def test_cursor_pages_walk_the_ledger_with_a_flat_query_count(client, staff):
    auth = _key(staff)
    _issues(3)
    seen, url = [], "/api/issues/?page_size=2&sort=-updated"
    while url:
        page = client.get(url, headers=auth).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert sorted(seen) == sorted(Issue.objects.values_list("pk", flat=True))

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/issues/?page_size=50", headers=auth).status_code == 200
        return len(captured)

    few = queries()
    _issues(30)
    assert queries() == few


def test_a_liaison_lists_only_the_issues_of_their_department(client, liaison_c, issue_x):
    auth = _key(liaison_c)
    assert client.get("/api/issues/", headers=auth).json()["results"] == []
    assert client.get(f"/api/issues/{issue_x.pk}/", headers=auth).status_code == 404


def test_answers_come_in_the_token_owners_language(client, liaison_a, issue_x):
    liaison_a.preferred_language = "zh-hans"
    liaison_a.save()
    detail = client.get(f"/api/issues/{issue_x.pk}/", headers=_key(liaison_a))
    with translation.override("zh-hans"):
        expected = str(Issue.Status.ASSIGNED.label)
    assert expected != "Assigned, awaiting acceptance"
    assert detail.json()["status_label"] == expected
    assert detail["Content-Language"] == "zh-hans"
    # The refusals too: a write without If-Match.
    refused = client.post(
        f"/api/issues/{issue_x.pk}/progress/",
        {"body": "x"},
        content_type="application/json",
        headers=_key(liaison_a, "write"),
    )
    assert refused.status_code == 428
    english = "Send the issue's ETag in an If-Match header."
    with translation.override("zh-hans"):
        assert refused.json()["detail"] == str(PreconditionRequired.default_detail) != english


def test_if_match_is_required_and_must_be_this_issues_current_etag(client, staff, issue_x):
    Issue.objects.filter(pk=issue_x.pk).update(source="hotline")  # no meeting to name
    auth = _key(staff, "write")
    url = f"/api/issues/{issue_x.pk}/"
    etag = client.get(url, headers=auth)["ETag"]
    patch = {"title": "Renamed"}
    for header, status in [
        (None, 428),
        ("garbage", 412),
        (f'"{issue_x.pk + 1}-{issue_x.version}"', 412),
        (f'"{issue_x.pk}-{issue_x.version + 1}"', 412),
    ]:
        headers = {**auth, **({"If-Match": header} if header else {})}
        response = client.patch(url, patch, content_type="application/json", headers=headers)
        assert response.status_code == status, header
    issue_x.refresh_from_db()
    assert issue_x.title != "Renamed"
    done = client.patch(
        url, patch, content_type="application/json", headers={**auth, "If-Match": etag}
    )
    assert done.status_code == 200
    assert done.json()["title"] == "Renamed" and done["ETag"] != etag
    # The ETag read before the edit is stale now.
    again = client.patch(
        url, patch, content_type="application/json", headers={**auth, "If-Match": etag}
    )
    assert again.status_code == 412


def test_a_create_sent_again_with_its_idempotency_key_creates_nothing_more(
    client, staff, enterprise_1
):
    auth = {**_key(staff, "write"), "Idempotency-Key": "hotline-2026-000123"}
    body = {
        "title": "Sent twice",
        "enterprise": enterprise_1.pk,
        "category": factories.CategoryFactory().pk,
        "source": "hotline",
    }
    first = client.post("/api/issues/", body, content_type="application/json", headers=auth)
    again = client.post("/api/issues/", body, content_type="application/json", headers=auth)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Issue.objects.count() == 1


def test_an_edit_is_checked_by_the_edit_pages_form_and_refuses_other_fields(client, staff, issue_x):
    Issue.objects.filter(pk=issue_x.pk).update(source="hotline")  # no meeting to name
    auth = {**_key(staff, "write"), "If-Match": f'"{issue_x.pk}-{issue_x.version}"'}
    url = f"/api/issues/{issue_x.pk}/"
    for body, field in [
        ({"raised_on": "2999-01-01"}, "raised_on"),
        ({"title": "x" * 201}, "title"),
        ({"status": "closed"}, "status"),
        ({"deadline": "2030-01-01"}, "deadline"),
    ]:
        refused = client.patch(url, body, content_type="application/json", headers=auth)
        assert refused.status_code == 400, body
        assert field in refused.json()
    issue_x.refresh_from_db()
    assert issue_x.status == "assigned" and issue_x.version == 1
    done = client.patch(url, {"priority": "urgent"}, content_type="application/json", headers=auth)
    assert done.status_code == 200, done.content
    assert done.json()["priority"] == "urgent"
    assert done.json()["title"] == issue_x.title
