"""The home page per role, the Django admin's door, and the home page's query count."""

import html
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from roundtable.dashboard.models import Heartbeat
from roundtable.workdays.models import CalendarYear
from tests import factories

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _heading(response) -> str:
    return html.unescape(re.search(r"<h1>(.*?)</h1>", response.content.decode(), re.S)[1]).strip()


@pytest.mark.parametrize(
    ("persona", "heading", "sections"),
    [
        ("staff", "Commerce staff workbench", ["District ledger", "Extension requests to decide"]),
        ("chair", "Chairperson's overview", ["District ledger"]),
        ("liaison_a", "Department workbench", ["My department", "Awaiting acceptance"]),
        ("head_a", "Department workbench", ["My department", "Awaiting acceptance"]),
        ("monitor", "My supervision", ["Issues I monitor"]),
        (
            "admin_user",
            "Administration",
            ["Background worker", "Users and roles", "Working-day calendar"],
        ),
    ],
)
def test_each_role_gets_its_home_page(client, request, issue_x, persona, heading, sections):
    user = request.getfixturevalue(persona)
    client.force_login(user)

    response = client.get(reverse("dashboard:home"))

    assert response.status_code == 200
    assert _heading(response) == heading
    body = _text(response)
    for section in sections:
        assert section in body
    assert user.display_name in body


def test_chair_does_not_see_the_staff_only_card(client, chair):
    client.force_login(chair)

    body = _text(client.get(reverse("dashboard:home")))

    assert "District ledger" in body
    assert "Extension requests to decide" not in body


def test_liaison_sees_no_district_figures(client, liaison_a, issue_x):
    client.force_login(liaison_a)

    body = _text(client.get(reverse("dashboard:home")))

    assert "District ledger" not in body
    assert "Department A" in body


def test_department_cards_count_the_departments_issues(client, liaison_a, issue_x, dept_c):
    factories.AssignmentFactory(department=dept_c)  # another department's issue: not counted
    client.force_login(liaison_a)

    response = client.get(reverse("dashboard:home"))

    assert response.context["department"]["open"] == 1


def test_user_without_a_role_gets_a_plain_page(client, db):
    user = factories.UserFactory(username="nobody-special")
    client.force_login(user)

    response = client.get(reverse("dashboard:home"))

    assert response.status_code == 200
    assert _heading(response) == "Welcome"
    assert "District ledger" not in _text(response)


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("dashboard:home"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next=/"


# --- Administration panel ---------------------------------------------------------------------


def test_administrator_sees_worker_never_seen(client, admin_user):
    client.force_login(admin_user)

    body = _text(client.get(reverse("dashboard:home")))

    assert "Background worker" in body
    assert "never seen" in body


def test_administrator_sees_when_the_worker_was_last_seen(client, admin_user):
    Heartbeat.objects.create(
        name="worker", seen_at=timezone.now() - timedelta(minutes=2), detail="host/1"
    )
    client.force_login(admin_user)

    body = _text(client.get(reverse("dashboard:home")))

    assert "last seen 2\xa0minutes ago" in body
    assert "never seen" not in body
    assert "Not running?" not in body


def test_stale_worker_heartbeat_is_flagged(client, admin_user):
    Heartbeat.objects.create(name="worker", seen_at=timezone.now() - timedelta(hours=3))
    client.force_login(admin_user)

    body = _text(client.get(reverse("dashboard:home")))

    assert "last seen 3\xa0hours ago" in body
    assert "Not running?" in body


@time_machine.travel(datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI), tick=False)
def test_administrator_is_warned_when_next_years_calendar_is_missing(client, admin_user):
    CalendarYear.objects.filter(year=2027).delete()
    client.force_login(admin_user)

    body = _text(client.get(reverse("dashboard:home")))

    assert "The official holiday arrangement for 2027 is not yet published" in body


@time_machine.travel(datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI), tick=False)
def test_no_calendar_warning_once_next_year_is_published(client, admin_user):
    CalendarYear.objects.update_or_create(year=2027, defaults={"published": True})
    client.force_login(admin_user)

    body = _text(client.get(reverse("dashboard:home")))

    assert "is not yet published" not in body


def test_non_administrators_see_no_administration_panel(client, staff):
    client.force_login(staff)

    body = _text(client.get(reverse("dashboard:home")))

    assert "Background worker" not in body
    assert reverse("admin:index") not in body


# --- The Django admin is for administrators only ----------------------------------------------


def test_administrator_enters_the_admin(client, admin_user):
    client.force_login(admin_user)

    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("persona", ["staff", "chair", "liaison_a"])
def test_case_users_are_turned_away_from_the_admin(client, request, persona):
    client.force_login(request.getfixturevalue(persona))

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_commerce_staff_with_is_staff_still_cannot_enter_the_admin(client, staff):
    staff.is_staff = True
    staff.save()
    client.force_login(staff)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 302


# --- Query count --------------------------------------------------------------------------------

HOME_QUERY_BOUND = 12


def _more_issues(dept_a, monitor, n=30):
    today = timezone.localdate()
    for i in range(n):
        issue = factories.IssueFactory(
            monitor=monitor,
            status="in_progress" if i % 2 else "assigned",
            deadline=today + timedelta(days=i - 10),
        )
        factories.AssignmentFactory(issue=issue, department=dept_a, status="accepted")


@pytest.mark.parametrize(
    "persona", ["staff", "chair", "liaison_a", "head_a", "monitor", "admin_user"]
)
def test_home_query_count_does_not_grow_with_data(
    client, request, django_assert_max_num_queries, issue_x, dept_a, monitor, persona
):
    client.force_login(request.getfixturevalue(persona))
    url = reverse("dashboard:home")
    client.get(url)  # warm the working-day calendar cache

    with django_assert_max_num_queries(HOME_QUERY_BOUND):
        client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)

    _more_issues(dept_a, monitor)

    with django_assert_max_num_queries(HOME_QUERY_BOUND):
        response = client.get(url)
    with CaptureQueriesContext(connection) as after:
        client.get(url)

    assert response.status_code == 200
    assert len(after) == len(before)
