"""An edit of the working-day calendar reaches everything that counts working days: this
process at once, every other web and Celery worker at its next request or task (the version
is in the database), and the dashboard's cached figures.

Dates: the third quarter of 2026, seen on Thu 15 Oct 2026.
"""

from datetime import date, datetime

import pytest
import time_machine
from celery.signals import task_prerun
from django.core.management import call_command
from django.core.signals import request_started
from django.db import close_old_connections
from django.db.models import F

from issues.models import Assignment
from roundtable.workdays import services as workdays
from roundtable.workdays.models import CalendarDay, CalendarVersion
from tests import factories

pytestmark = pytest.mark.django_db

FRIDAY = date(2026, 7, 10)  # an ordinary working day


@pytest.fixture
def frozen():
    with time_machine.travel("2026-10-15 10:00 +0800", tick=False):
        yield


def _edit_in_another_process(day: date) -> None:
    """What an administrator's edit in another web worker leaves in the shared database:
    the new row and a higher version, and nothing in this process's memory."""
    CalendarDay.objects.create(date=day, kind=CalendarDay.Kind.DAY_OFF, name="Typhoon")
    assert CalendarVersion.objects.filter(pk=1).update(number=F("number") + 1) == 1


@pytest.fixture
def versioned(db):
    CalendarVersion.objects.get_or_create(pk=1, defaults={"number": 1})


def _request_starts():
    # As Django's test client does: the signal without closing the test's connection.
    request_started.disconnect(close_old_connections)
    try:
        request_started.send(sender=None)
    finally:
        request_started.connect(close_old_connections)


@pytest.mark.parametrize(
    "start_of_work",
    [
        pytest.param(_request_starts, id="web request"),
        pytest.param(lambda: task_prerun.send(sender=None, task_id="t", task=None), id="task"),
    ],
)
def test_an_edit_made_in_another_process_is_seen_at_the_next_request_or_task(
    versioned, start_of_work, django_assert_num_queries
):
    assert workdays.is_working_day(FRIDAY)
    with django_assert_num_queries(0):  # the check is once per request or task, not per call
        assert workdays.add_working_days(FRIDAY, 1) == date(2026, 7, 13)

    _edit_in_another_process(FRIDAY)
    start_of_work()

    assert not workdays.is_working_day(FRIDAY)
    assert workdays.add_working_days(date(2026, 7, 9), 1) == date(2026, 7, 13)


ADMIN_EDITS = {
    "add a day": lambda c, day: c.post(
        "/admin/workdays/calendarday/add/", {"date": "2026-07-10", "kind": "off", "name": "X"}
    ),
    "change a day": lambda c, day: c.post(
        f"/admin/workdays/calendarday/{day.pk}/change/",
        {"date": "2026-07-10", "kind": "off", "name": "Changed"},
    ),
    "delete a day": lambda c, day: c.post(
        f"/admin/workdays/calendarday/{day.pk}/delete/", {"post": "yes"}
    ),
    "delete a selection": lambda c, day: c.post(
        "/admin/workdays/calendarday/",
        {"action": "delete_selected", "_selected_action": [day.pk], "post": "yes"},
    ),
    "add a year": lambda c, day: c.post(
        "/admin/workdays/calendaryear/add/", {"year": "2027", "published": "on"}
    ),
    "change a year": lambda c, day: c.post(
        "/admin/workdays/calendaryear/2026/change/", {"year": "2026", "source": "corrected"}
    ),
    "delete a year": lambda c, day: c.post(
        "/admin/workdays/calendaryear/2026/delete/", {"post": "yes"}
    ),
}


@pytest.mark.parametrize("edit", list(ADMIN_EDITS))
def test_every_admin_edit_of_the_calendar_raises_its_version(versioned, admin_user, edit):
    day = CalendarDay.objects.create(date=date(2026, 7, 8), kind="off", name="Test day")
    before = workdays.calendar_version()

    response = ADMIN_EDITS[edit](factories.client_as(admin_user), day)

    assert response.status_code == 302, response.content.decode()[:3000]
    assert CalendarVersion.objects.get(pk=1).number > before
    assert workdays.calendar_version() == CalendarVersion.objects.get(pk=1).number


def test_seed_calendar_raises_the_version(versioned):
    before = workdays.calendar_version()
    call_command("seed_calendar", "--overwrite", stdout=None)
    assert workdays.calendar_version() > before


def _median_working_days(client) -> str:
    response = client.get("/dashboard/?period=2026Q3")
    assert response.status_code == 200
    summary = response.context["summary"]
    cells = {cell["key"]: cell for cell in (summary() if callable(summary) else summary)}
    return cells["median_days"]["display"]


@pytest.mark.parametrize("where", ["admin", "another process"])
def test_a_calendar_edit_changes_the_dashboard_figure_at_once(
    frozen, versioned, chair, admin_user, dept_a, where
):
    # Raised Mon 6 July, concluded Fri 17 July: 9 working days.
    issue = factories.IssueFactory(
        status="closed",
        raised_on=date(2026, 7, 6),
        deadline=date(2026, 7, 20),
        concluded_on=date(2026, 7, 17),
        closed_at=datetime.fromisoformat("2026-07-20 10:00 +08:00"),
        satisfaction="satisfied",
    )
    factories.AssignmentFactory(issue=issue, department=dept_a, status=Assignment.Status.DONE)
    client = factories.client_as(chair)
    assert _median_working_days(client) == "9"
    assert _median_working_days(client) == "9"  # from the cache now

    if where == "admin":
        factories.client_as(admin_user).post(
            "/admin/workdays/calendarday/add/",
            {"date": "2026-07-10", "kind": "off", "name": "Typhoon"},
        )
    else:
        _edit_in_another_process(FRIDAY)

    assert _median_working_days(client) == "8"
