from datetime import date

import pytest
import time_machine

from issues import services
from issues.models import Issue
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel("2026-09-29 10:00 +0800", tick=False):
        yield


def _issue(staff, dept, deadline, title, co_departments=()):
    return services.issue_create(
        actor=staff,
        title=title,
        enterprise=factories.EnterpriseFactory(),
        category=factories.CategoryFactory(),
        source=Issue.Source.HOTLINE,
        raised_on=date(2026, 9, 1),
        lead_department=dept,
        co_departments=list(co_departments),
        deadline=deadline,
    )


def test_tabs_count_and_list_the_departments_work(client, staff, liaison_a, dept_a, dept_c):
    pending = _issue(staff, dept_a, date(2026, 10, 30), "Awaiting one")
    late = _issue(staff, dept_a, date(2026, 9, 10), "Late one")
    services.assignment_accept(actor=liaison_a, assignment=late.assignments.get())
    _issue(staff, dept_c, date(2026, 9, 10), "Other department's")
    client.force_login(liaison_a)

    page = client.get("/issues/my-department/")
    tabs = {key: count for key, _label, count in page.context["tabs"]}
    assert tabs == {"awaiting": 1, "overdue": 1, "due_soon": 0, "in_progress": 1}
    assert page.context["section"] == "awaiting"
    body = page.content.decode()
    assert pending.reference in body and late.reference not in body

    overdue = client.get("/issues/my-department/?section=overdue").content.decode()
    assert late.reference in overdue
    assert "Other department" not in overdue


def test_query_count_does_not_grow_with_issues(
    client, staff, liaison_a, dept_a, django_assert_max_num_queries
):
    client.force_login(liaison_a)
    _issue(staff, dept_a, date(2026, 9, 10), "first")
    with django_assert_max_num_queries(16) as few:
        client.get("/issues/my-department/?section=awaiting")
    for n in range(20):
        _issue(staff, dept_a, date(2026, 9, 10), f"more {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/issues/my-department/?section=awaiting")


def test_staff_without_a_department_get_403(client, staff):
    client.force_login(staff)
    assert client.get("/issues/my-department/").status_code == 403


def test_a_pending_co_handler_still_sees_a_concluded_issue_to_accept(
    client, staff, liaison_a, liaison_b, dept_a, dept_b
):
    issue = _issue(staff, dept_a, date(2026, 10, 30), "Co-handler still pending", [dept_b])
    services.assignment_accept(actor=liaison_a, assignment=issue.assignments.get(role="lead"))
    services.issue_report_conclusion(actor=liaison_a, issue=issue, resolution="Done")
    client.force_login(liaison_b)
    page = client.get("/issues/my-department/?section=awaiting")
    tabs = {key: count for key, _label, count in page.context["tabs"]}
    assert tabs["awaiting"] == 1
    assert page.context["page"].paginator.count == 1
    assert issue.reference in page.content.decode()


def test_each_issue_counts_once_for_a_member_of_its_lead_and_co_handling_departments(
    client, staff, liaison_a, liaison_b, dept_a, dept_b, dept_c
):
    both = factories.UserFactory(username="in_a_and_b")
    for dept in (dept_a, dept_b):
        factories.MembershipFactory(user=both, department=dept, role="liaison")
    # Late, in progress: A leads and B co-handles; C leads and B co-handles; A leads alone;
    # C leads alone (not theirs).
    a_and_b = _issue(staff, dept_a, date(2026, 9, 10), "A leads, B co-handles", [dept_b])
    c_and_b = _issue(staff, dept_c, date(2026, 9, 10), "C leads, B co-handles", [dept_b])
    a_alone = _issue(staff, dept_a, date(2026, 9, 10), "A alone")
    _issue(staff, dept_c, date(2026, 9, 10), "C alone")
    for issue in (a_and_b, c_and_b, a_alone):
        for assignment in issue.assignments.all():
            member = liaison_a if assignment.department == dept_a else liaison_b
            if assignment.department != dept_c:
                services.assignment_accept(actor=member, assignment=assignment)

    client.force_login(both)
    page = client.get("/issues/my-department/?section=overdue")
    tabs = {key: count for key, _label, count in page.context["tabs"]}
    assert tabs["overdue"] == 3
    assert tabs["in_progress"] == 2  # C has not accepted its lead: still assigned
    listed = [issue.reference for issue in page.context["page"].object_list]
    assert sorted(listed) == sorted(i.reference for i in (a_and_b, c_and_b, a_alone))
