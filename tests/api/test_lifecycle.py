"""An issue's whole lifecycle through the REST API, driven by plain ``requests`` against a
running server with personal tokens, as another system would: logged, then assigned by staff,
accepted, progressed and concluded by the lead department, closed by staff; and a write with
a stale ETag refused with 412, one without If-Match with 428."""

import pytest
import requests

from issues.models import ActionUpdate, Issue
from roundtable.accounts import api_tokens
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def _sessions():
    """Sessions closed when the test ends, so that no kept-alive connection holds a thread
    of the live server into the next test's database flush."""
    opened = []
    yield opened
    for session in opened:
        session.close()


@pytest.fixture
def _client(_sessions):
    def make(user, scope="write"):
        _token, key = api_tokens.token_create(user=user, name="test system", scope=scope)
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {key}"
        _sessions.append(session)
        return session

    return make


def test_an_issue_lives_its_whole_life_through_the_api(
    _client, live_server, staff, liaison_a, liaison_b, dept_a, dept_b, enterprise_1
):
    api = f"{live_server.url}/api"
    category = factories.CategoryFactory()
    st, la, lb = _client(staff), _client(liaison_a), _client(liaison_b)

    created = st.post(
        f"{api}/issues/",
        json={
            "title": "Customs clearance slow 通关慢",
            "description": "Parts wait nine days at the port.",
            "enterprise": enterprise_1.pk,
            "category": category.pk,
            "source": "hotline",
        },
        timeout=10,
    )
    assert created.status_code == 201, created.text
    issue = created.json()
    assert issue["status"] == "logged" and issue["assignments"] == []
    assert created.headers["Location"] == f"/api/issues/{issue['id']}/"
    url = f"{api}/issues/{issue['id']}/"

    # Staff assign it: a lead, a co-handler, a deadline in working days.
    assigned = st.post(
        f"{url}assign/",
        json={
            "lead_department": dept_a.pk,
            "co_departments": [dept_b.pk],
            "deadline_working_days": 10,
        },
        headers={"If-Match": created.headers["ETag"]},
        timeout=10,
    )
    assert assigned.status_code == 200, assigned.text
    issue = assigned.json()
    assert issue["status"] == "assigned" and issue["deadline"]
    lead = next(a for a in issue["assignments"] if a["role"] == "lead")
    co = next(a for a in issue["assignments"] if a["role"] == "co")

    # The lead department sees it in its ledger and reads it with its ETag.
    listed = la.get(f"{api}/issues/", params={"status": "assigned"}, timeout=10).json()
    assert [row["id"] for row in listed["results"]] == [issue["id"]]
    read = la.get(url, timeout=10)
    assert read.headers["ETag"] == f'"{issue["id"]}-{issue["version"]}"'

    accepted = la.post(
        f"{url}assignments/{lead['id']}/accept/",
        headers={"If-Match": read.headers["ETag"]},
        timeout=10,
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "in_progress"
    etag = accepted.headers["ETag"]

    # Without If-Match: 428. With the ETag read before the acceptance: 412, nothing written.
    body = {"body": "Met the port authority."}
    assert la.post(f"{url}progress/", json=body, timeout=10).status_code == 428
    stale = la.post(
        f"{url}progress/", json=body, headers={"If-Match": read.headers["ETag"]}, timeout=10
    )
    assert stale.status_code == 412
    assert not ActionUpdate.objects.filter(kind=ActionUpdate.Kind.PROGRESS).exists()

    progressed = la.post(f"{url}progress/", json=body, headers={"If-Match": etag}, timeout=10)
    assert progressed.status_code == 200, progressed.text
    timeline = la.get(f"{url}timeline/", timeout=10).json()
    assert [e["kind"] for e in timeline][-1] == "progress"
    assert timeline[-1]["body"] == "Met the port authority."

    # Closing before the conclusion is refused by the lifecycle (409), as on the page.
    etag = progressed.headers["ETag"]
    early = st.post(f"{url}close/", json={"satisfaction": "satisfied"}, headers={"If-Match": etag})
    assert early.status_code == 409, early.text

    # The co-handler accepts too (staff close only when every department has answered).
    etag = lb.get(url, timeout=10).headers["ETag"]
    answered = lb.post(f"{url}assignments/{co['id']}/accept/", headers={"If-Match": etag})
    assert answered.status_code == 200, answered.text
    etag = answered.headers["ETag"]

    concluded = la.post(
        f"{url}conclusion/",
        json={"resolution": "Green channel opened."},
        headers={"If-Match": etag},
        timeout=10,
    )
    assert concluded.status_code == 200, concluded.text
    assert concluded.json()["status"] == "concluded"

    closed = st.post(
        f"{url}close/",
        json={"satisfaction": "satisfied", "note": "Confirmed by phone."},
        headers={"If-Match": concluded.headers["ETag"]},
        timeout=10,
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    assert Issue.objects.get(pk=issue["id"]).status == Issue.Status.CLOSED


def test_the_co_handler_may_not_conclude_and_staff_may_not_post_progress(
    _client, live_server, staff, liaison_b, issue_x
):
    api = f"{live_server.url}/api/issues/{issue_x.pk}"
    etag = f'"{issue_x.pk}-{issue_x.version}"'
    lb, st = _client(liaison_b), _client(staff)
    refused = lb.post(
        f"{api}/conclusion/", json={"resolution": "x"}, headers={"If-Match": etag}, timeout=10
    )
    assert refused.status_code == 403
    refused = st.post(
        f"{api}/progress/", json={"body": "x"}, headers={"If-Match": etag}, timeout=10
    )
    assert refused.status_code == 403
