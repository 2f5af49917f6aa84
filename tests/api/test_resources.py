"""The API's further resources (issue 18): an issue's assignments, progress, conclusions and
extension requests; the extension's request and decision, the reopening and the chair's
instruction, each with If-Match; meetings with their whitelisted filters; the dashboard's KPIs
per period, the same figures as the dashboard, in the reader's language."""

from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from issues import services
from issues.models import ActionUpdate, ExtensionRequest, Issue
from roundtable.accounts import api_tokens
from roundtable.dashboard import kpis
from roundtable.meetings.models import Meeting
from tests import factories
from tests.meetings.helpers import make_meeting, make_roundtable

pytestmark = pytest.mark.django_db
TODAY = "2026-09-29 10:00 +0800"


def _auth(user, scope="write", **headers):
    key = api_tokens.token_create(user=user, name="t", scope=scope)[1]
    return {"Authorization": f"Bearer {key}", **headers}


def _etag(issue):
    issue.refresh_from_db()
    return f'"{issue.pk}-{issue.version}"'


def _post(client, url, body, headers):
    return client.post(url, body, content_type="application/json", headers=headers)


@pytest.fixture
def in_progress(staff, liaison_a, liaison_b, dept_a, dept_b, enterprise_1):
    with time_machine.travel(TODAY, tick=False):
        issue = services.issue_create(
            actor=staff,
            title="Customs clearance slow 通关慢",
            enterprise=enterprise_1,
            category=factories.CategoryFactory(),
            source=Issue.Source.HOTLINE,
            raised_on=date(2026, 9, 1),
            lead_department=dept_a,
            co_departments=[dept_b],
            deadline=date(2026, 10, 20),
        )
        for assignment, who in [
            (issue.assignments.get(role="lead"), liaison_a),
            (issue.assignments.get(role="co"), liaison_b),
        ]:
            services.assignment_accept(actor=who, assignment=assignment)
    return issue


@time_machine.travel(TODAY, tick=False)
def test_an_extension_is_requested_and_granted_with_if_match(client, in_progress, liaison_a, staff):
    url = f"/api/issues/{in_progress.pk}/extensions/"
    body = {"requested_deadline": "2026-11-30", "reason": "Survey of the site needed."}
    assert _post(client, url, body, _auth(liaison_a)).status_code == 428
    stale = f'"{in_progress.pk}-{in_progress.version - 1}"'
    assert _post(client, url, body, _auth(liaison_a, **{"If-Match": stale})).status_code == 412
    assert not ExtensionRequest.objects.exists()
    # The page's form checks the body: a date that does not exist answers 400 on its field.
    bad = _post(
        client,
        url,
        {**body, "requested_deadline": "2026-02-30"},
        _auth(liaison_a, **{"If-Match": _etag(in_progress)}),
    )
    assert bad.status_code == 400 and list(bad.json()) == ["requested_deadline"]

    asked = _post(client, url, body, _auth(liaison_a, **{"If-Match": _etag(in_progress)}))
    assert asked.status_code == 200, asked.content
    # A second request while one waits is refused by the service, as on the page.
    again = _post(client, url, body, _auth(liaison_a, **{"If-Match": asked["ETag"]}))
    assert again.status_code == 409
    listed = client.get(url, headers=_auth(staff, "read")).json()
    assert [(e["status"], e["requested_deadline"]) for e in listed] == [("pending", "2026-11-30")]

    decide = f"{url}{listed[0]['id']}/decide/"
    # The ETag read before the request is stale; the one after it works.
    refused = _post(
        client,
        decide,
        {"decision": "grant"},
        _auth(
            staff,
            **{
                "If-Match": _etag(in_progress).replace(
                    str(in_progress.version), str(in_progress.version - 1)
                )
            },
        ),
    )
    assert refused.status_code == 412
    granted = _post(
        client,
        decide,
        {"decision": "grant", "note": "Once."},
        _auth(staff, **{"If-Match": _etag(in_progress)}),
    )
    assert granted.status_code == 200, granted.content
    assert granted.json()["deadline"] == "2026-11-30"
    assert ExtensionRequest.objects.get().status == "granted"
    # A liaison may not decide; an unknown request of this issue is 404.
    etag = _etag(in_progress)
    assert (
        _post(
            client, decide, {"decision": "refuse"}, _auth(liaison_a, **{"If-Match": etag})
        ).status_code
        == 403
    )
    missing = f"{url}999999/decide/"
    assert (
        _post(
            client, missing, {"decision": "grant"}, _auth(staff, **{"If-Match": etag})
        ).status_code
        == 404
    )


@time_machine.travel(TODAY, tick=False)
def test_progress_conclusion_reopening_and_instruction_read_back_as_lists(
    client, in_progress, liaison_a, staff, chair
):
    base = f"/api/issues/{in_progress.pk}"
    la = _auth(liaison_a)
    for text in ["Met the port authority.", "Green channel drafted."]:
        done = _post(
            client, f"{base}/progress/", {"body": text}, {**la, "If-Match": _etag(in_progress)}
        )
        assert done.status_code == 200
    progress = client.get(f"{base}/progress/", headers=la).json()
    assert [p["body"] for p in progress] == ["Met the port authority.", "Green channel drafted."]
    assert progress[0]["author"] == liaison_a.display_name

    concluded = _post(
        client,
        f"{base}/conclusion/",
        {"resolution": "Channel opened."},
        {**la, "If-Match": _etag(in_progress)},
    )
    assert concluded.json()["status"] == "concluded"
    # Reopening needs a reason (the page's form) and is staff's.
    st = _auth(staff)
    assert (
        _post(
            client, f"{base}/reopen/", {"reason": "x"}, {**la, "If-Match": _etag(in_progress)}
        ).status_code
        == 403
    )
    assert (
        _post(client, f"{base}/reopen/", {}, {**st, "If-Match": _etag(in_progress)}).status_code
        == 400
    )
    reopened = _post(
        client,
        f"{base}/reopen/",
        {"reason": "Only phase one."},
        {**st, "If-Match": _etag(in_progress)},
    )
    assert reopened.status_code == 200, reopened.content
    assert reopened.json()["status"] == "in_progress"
    conclusions = client.get(f"{base}/conclusion/", headers=st).json()
    assert [c["body"] for c in conclusions] == ["Channel opened."]

    instructed = _post(
        client,
        f"{base}/instructions/",
        {"body": "请尽快协调"},
        _auth(chair, **{"If-Match": _etag(in_progress)}),
    )
    assert instructed.status_code == 200, instructed.content
    assert ActionUpdate.objects.filter(
        issue=in_progress, kind="instruction", body="请尽快协调"
    ).exists()
    assert (
        _post(
            client, f"{base}/instructions/", {"body": "x"}, {**st, "If-Match": _etag(in_progress)}
        ).status_code
        == 403
    )

    assignments = client.get(f"{base}/assignments/", headers=st).json()
    assert [(a["role"], a["status"]) for a in assignments][:2] == [
        ("lead", "accepted"),
        ("co", "accepted"),
    ]
    one = client.get(f"{base}/assignments/{assignments[1]['id']}/", headers=st).json()
    assert one["department"]["id"] == assignments[1]["department"]["id"]
    other = factories.IssueFactory()
    assert (
        client.get(
            f"/api/issues/{other.pk}/assignments/{assignments[1]['id']}/", headers=st
        ).status_code
        == 404
    )


def test_meetings_list_what_the_caller_may_open_with_whitelisted_filters(
    client, dept_a, dept_c, liaison_a, liaison_c, staff
):
    roundtable = make_roundtable(leading_department=dept_a)
    ours = make_meeting(roundtable, topic="Ours", departments=[dept_a])
    theirs = make_meeting(roundtable, topic="Theirs", departments=[dept_c])
    spot = make_meeting(
        roundtable, topic="On the spot", kind=Meeting.Kind.ON_SPOT, departments=[dept_a]
    )
    la = _auth(liaison_a, "read")
    listed = client.get("/api/meetings/", headers=la).json()["results"]
    assert {m["id"] for m in listed} == {ours.pk, spot.pk}
    only = client.get("/api/meetings/?kind=on_spot", headers=la).json()["results"]
    assert [m["id"] for m in only] == [spot.pk]
    assert client.get(f"/api/meetings/{theirs.pk}/", headers=la).status_code == 404
    assert client.get(f"/api/meetings/{ours.pk}/", headers=la).json()["topic"] == "Ours"
    for query in ["kind=party", "status=sleeping", "sort=topic", "sort=password"]:
        refused = client.get(f"/api/meetings/?{query}", headers=la)
        assert refused.status_code == 400, query
        assert list(refused.json()) == [query.split("=")[0]]

    st = _auth(staff, "read")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/meetings/?sort=starts", headers=st).status_code == 200
        return len(captured)

    queries()  # the token's first use of the minute records it
    few = queries()
    for n in range(5):
        make_meeting(roundtable, topic=f"More {n}", departments=[dept_c])
    assert queries() == few


@time_machine.travel(TODAY, tick=False)
def test_kpis_are_the_dashboards_figures_in_the_readers_language(
    client, in_progress, staff, liaison_a, liaison_c, dept_a, dept_c
):
    period = kpis.parse_period("2026Q3")
    expected = kpis.compute(period)[None]
    answer = client.get("/api/kpis/?period=2026Q3", headers=_auth(staff, "read"))
    assert answer.status_code == 200
    data = answer.json()
    assert (data["period"], data["start"], data["end"]) == ("2026Q3", "2026-07-01", "2026-09-30")
    values = {k["key"]: k for k in data["kpis"]}
    assert values["raised"]["value"] == expected.raised == 1
    assert values["open"]["value"] == 1
    assert values["on_time_rate"]["value"] is None and values["on_time_rate"]["whole"] == 0

    liaison_a.preferred_language = "zh-hans"
    liaison_a.save()
    mine = client.get(
        f"/api/kpis/?period=2026Q3&department={dept_a.pk}", headers=_auth(liaison_a, "read")
    )
    assert mine.status_code == 200
    with translation.override("zh-hans"):
        from roundtable.dashboard import reports

        labels = [str(k.label) for k in reports.kpi_list()]
    assert [k["label"] for k in mine.json()["kpis"]] == labels
    assert mine.json()["department"]["id"] == dept_a.pk
    # The district is for those who read the whole ledger; another department's is refused.
    assert client.get("/api/kpis/", headers=_auth(liaison_a, "read")).status_code == 403
    other = f"/api/kpis/?department={dept_a.pk}"
    assert client.get(other, headers=_auth(liaison_c, "read")).status_code == 403
    assert (
        client.get("/api/kpis/?department=99999", headers=_auth(staff, "read")).status_code == 404
    )
    bad = client.get("/api/kpis/?period=2026Q5", headers=_auth(staff, "read"))
    assert bad.status_code == 400 and list(bad.json()) == ["period"]


@time_machine.travel(TODAY, tick=False)
def test_the_systems_own_timeline_entries_are_worded_in_the_token_owners_language(
    client, in_progress, liaison_a, staff
):
    extension = services.issue_request_extension(
        actor=liaison_a, issue=in_progress, requested_deadline=date(2026, 11, 30), reason="Survey"
    )
    services.extension_decide(actor=staff, extension=extension, grant=True)
    entry = ActionUpdate.objects.get(kind=ActionUpdate.Kind.EXTENSION_DECIDED)
    with translation.override("zh-hans"):
        chinese = entry.shown_body
    with translation.override("en"):
        english = entry.shown_body
    assert chinese != english
    liaison_a.preferred_language = "zh-hans"
    liaison_a.save()
    timeline = client.get(
        f"/api/issues/{in_progress.pk}/timeline/", headers=_auth(liaison_a, "read")
    ).json()
    assert timeline[-1]["body"] == chinese
    staff_view = client.get(f"/api/issues/{in_progress.pk}/timeline/", headers=_auth(staff, "read"))
    assert staff_view.json()[-1]["body"] == english
