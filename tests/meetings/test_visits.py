"""Service visits are quick to record: who, when, what was discussed, issues raised."""

from datetime import timedelta

import pytest
from django.utils import timezone

from issues.models import Issue
from roundtable.meetings import services
from roundtable.meetings.models import Meeting
from tests import factories

pytestmark = pytest.mark.django_db


def _when(delta=timedelta(hours=-2)):
    return timezone.localtime(timezone.now() + delta).strftime("%Y-%m-%dT%H:%M")


def test_a_one_on_one_visit_in_one_step_with_issues_raised(
    client, roundtable, staff, enterprise_1, dept_a
):
    category = factories.CategoryFactory(code="permit", name_en="Permits")
    client.force_login(staff)
    response = client.post(
        "/meetings/visit/",
        {
            "enterprises": [enterprise_1.pk],
            "starts_at": _when(),
            "topic": "Expansion plans",
            "notes": "Talked about the second plant.",
            "users": [staff.pk],
            "departments": [dept_a.pk],
            "issues_raised": "Fire inspection slot\n\nPower capacity for the new line\n",
            "category": category.pk,
        },
    )
    assert response.status_code == 302
    visit = Meeting.objects.get()
    assert visit.kind == Meeting.Kind.ONE_ON_ONE and visit.status == Meeting.Status.HELD
    assert visit.minutes == "Talked about the second plant."
    assert all(p.attended for p in visit.participants.all())
    assert visit.participants.count() == 3
    issues = Issue.objects.order_by("pk")
    assert [i.title for i in issues] == ["Fire inspection slot", "Power capacity for the new line"]
    assert all(i.meeting == visit and i.source == Issue.Source.SERVICE_VISIT for i in issues)
    assert all(i.enterprise == enterprise_1 and i.status == Issue.Status.LOGGED for i in issues)
    assert response["Location"] == f"/meetings/{visit.pk}/"


def test_several_enterprises_make_a_one_on_several_visit(
    roundtable, staff, enterprise_1, enterprise_2
):
    category = factories.CategoryFactory()
    visit = services.service_visit_record(
        actor=staff,
        enterprises=[enterprise_1, enterprise_2],
        starts_at=timezone.now() - timedelta(hours=1),
        topic="Japanese firms' round",
        issues_raised=["Shared: customs clearance times"],
        category=category,
    )
    assert visit.kind == Meeting.Kind.ONE_ON_SEVERAL
    issue = visit.issues.get()
    assert issue.enterprise == enterprise_1 and list(issue.other_enterprises.all()) == [
        enterprise_2
    ]
    # The acting user is recorded as the visitor when nobody else is named.
    assert visit.participants.get(user__isnull=False).user == staff


def test_a_visit_in_the_future_is_refused_and_the_form_kept(
    client, roundtable, staff, enterprise_1
):
    client.force_login(staff)
    response = client.post(
        "/meetings/visit/",
        {"enterprises": [enterprise_1.pk], "starts_at": _when(timedelta(days=2)), "topic": "Soon"},
    )
    assert response.status_code == 400
    assert "after it took place" in response.content.decode()
    assert not Meeting.objects.exists()


def test_issues_raised_need_a_category(client, roundtable, staff, enterprise_1):
    client.force_login(staff)
    response = client.post(
        "/meetings/visit/",
        {
            "enterprises": [enterprise_1.pk],
            "starts_at": _when(),
            "topic": "Visit",
            "issues_raised": "Something typed",
        },
    )
    assert response.status_code == 400
    assert "Choose a category" in response.content.decode()
    assert "Something typed" in response.content.decode()


def test_a_visit_needs_an_enterprise(client, roundtable, staff):
    client.force_login(staff)
    response = client.post("/meetings/visit/", {"starts_at": _when(), "topic": "Visit"})
    assert response.status_code == 400
    assert not Meeting.objects.exists()


@pytest.mark.parametrize("who", ["chair", "liaison_a", "monitor", "admin_user"])
def test_only_staff_record_visits(who, request, client, roundtable, enterprise_1):
    client.force_login(request.getfixturevalue(who))
    response = client.post(
        "/meetings/visit/",
        {"enterprises": [enterprise_1.pk], "starts_at": _when(), "topic": "x"},
    )
    assert response.status_code == 403
    assert not Meeting.objects.exists()


def test_an_agreed_point_at_a_visit_is_logged_as_from_a_visit(
    roundtable, staff, enterprise_1, dept_a
):
    visit = services.service_visit_record(
        actor=staff, enterprises=[enterprise_1], starts_at=timezone.now(), topic="Visit"
    )
    issue = services.agreed_point_to_issue(
        actor=staff,
        meeting=visit,
        title="Follow up the permit",
        enterprise=enterprise_1,
        category=factories.CategoryFactory(),
        lead_department=dept_a,
        deadline=timezone.localdate() + timedelta(days=5),
    )
    assert issue.source == Issue.Source.SERVICE_VISIT and issue.meeting == visit
