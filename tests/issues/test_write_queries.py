"""Every write is as lean as a read: the whole POST (session, access checks, form validation,
the service, history rows, notices, the double-submit token, the hooks run on commit) needs no
more than WRITE_QUERY_BUDGET queries, django-helpdesk's figure for creating a ticket, and the
same number whether the issue involves one department or eight, no attachment or three.

The counts are taken inside the test's transaction, where each outermost
``transaction.atomic`` of the request shows as a SAVEPOINT and its RELEASE; in production it is
the transaction itself (BEGIN and COMMIT, which Django does not count), so those two are left
out of the count (``_sent``), and a nested block's savepoints still count. Each process keeps the
calendar's years and the content types once read, so the counts are those of a warm process.
The departments each have a liaison and a head, all told of a new assignment; the attachments
are on the issue already (and one more with the progress note, which takes one file)."""

from datetime import date

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from departments.models import DepartmentMembership
from issues import services
from issues.attachments import store_attachment
from issues.models import ActionUpdate, Assignment, ExtensionRequest, Issue
from roundtable.notifications.models import Notification
from roundtable.webhooks import services as webhook_services
from roundtable.workdays import services as workdays
from tests import factories

pytestmark = pytest.mark.django_db

WRITE_QUERY_BUDGET = 20
DEPARTMENTS = (1, 3, 8)
ATTACHMENTS = (0, 1, 3)
PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"


@pytest.fixture(autouse=True)
def _frozen():
    # A Tuesday in a published year: no date warning, no provisional deadline.
    with time_machine.travel("2026-09-29 10:00 +0800", tick=False):
        # Each process keeps the calendar's years once read: a request counts only the
        # check that it is current, as every request but a process's first does.
        workdays.is_working_day(date(2026, 9, 29))
        # The outbound webhooks' subscriptions, kept in the cache (none here).
        webhook_services.subscriptions()
        yield


@pytest.fixture
def counted(django_capture_on_commit_callbacks):
    """``counted(send)``: the response of ``send()`` and the queries it made, with the
    callbacks run on commit (the dashboard's cache version, the calendar's cache) counted."""

    def run(send):
        with CaptureQueriesContext(connection) as queries:
            with django_capture_on_commit_callbacks(execute=True):
                response = send()
        return response, queries

    return run


def _departments(n):
    """``n`` departments, each with a current liaison and head (who are all told)."""
    departments = [
        factories.DepartmentFactory(
            code=f"w{n}-{i}", name_en=f"Bureau {n}-{i}", name_zh=f"第{n}-{i}局"
        )
        for i in range(n)
    ]
    for department in departments:
        for role in (DepartmentMembership.Role.LIAISON, DepartmentMembership.Role.HEAD):
            factories.MembershipFactory(
                department=department,
                role=role,
                user=factories.UserFactory(username=f"{role}_{department.code}"),
            )
    return departments


def _liaison(department):
    return factories.UserFactory(username=f"liaison_{department.code}")


def _attach(issue, user, k):
    for i in range(k):
        store_attachment(
            issue=issue,
            uploaded_file=SimpleUploadedFile(f"scan-{i}.pdf", PDF),
            user=user,
        )


def _assigned(staff, departments, *, attachments=0):
    issue = services.issue_create(
        actor=staff,
        title="Customs clearance of spare parts 备件清关",
        enterprise=factories.EnterpriseFactory(),
        other_enterprises=[factories.EnterpriseFactory()],
        category=factories.CategoryFactory(code="customs"),
        source=Issue.Source.WECHAT,
        raised_on=date(2026, 9, 1),
        monitor=factories.UserFactory(username="monitor"),
        lead_department=departments[0],
        co_departments=departments[1:],
        deadline=date(2026, 10, 16),
    )
    _attach(issue, staff, attachments)
    return issue


def _accepted(issue, departments):
    for assignment in issue.assignments.current():
        liaison = _liaison(next(d for d in departments if d.pk == assignment.department_id))
        services.assignment_accept(actor=liaison, assignment=assignment)
    issue.refresh_from_db()
    return issue


def _report(name, sizes):
    """What a failure prints: the count at each size and the queries of the largest."""
    lines = [f"{name}: " + ", ".join(f"{size}: {_sent(q)}" for size, q in sizes.items())]
    largest = max(sizes.values(), key=len)
    lines += [f"{i:3} {q['sql'][:160]}" for i, q in enumerate(largest.captured_queries, 1)]
    return "\n".join(lines)


def _sent(queries) -> int:
    """The queries a request sends in production: all but the savepoints that stand, inside
    the test's transaction, for the request's outermost atomic blocks (BEGIN and COMMIT in
    production, which Django's count leaves out as well)."""
    depth, sent = 0, 0
    for query in queries.captured_queries:
        sql = query["sql"].lstrip().upper()
        if sql.startswith("SAVEPOINT "):
            depth += 1
            sent += depth > 1
        elif sql.startswith("RELEASE SAVEPOINT ") or sql.startswith("ROLLBACK TO SAVEPOINT "):
            sent += depth > 1
            depth -= sql.startswith("RELEASE")
        else:
            sent += 1
    return sent


def _assert_lean_and_flat(name, sizes, budget=WRITE_QUERY_BUDGET):
    counts = {size: _sent(queries) for size, queries in sizes.items()}
    report = _report(name, sizes)
    assert max(counts.values()) <= budget, report
    assert len(set(counts.values())) == 1, report


# --- creating ---------------------------------------------------------------------------------


def _create_post(departments, token):
    return {
        "submission_token": token,
        "title": "Customs clearance of spare parts 备件清关",
        "description": "Spare parts wait three weeks at the port.",
        "enterprise": factories.EnterpriseFactory().pk,
        "other_enterprises": [factories.EnterpriseFactory().pk],
        "category": factories.CategoryFactory(code="customs").pk,
        "source": Issue.Source.WECHAT,
        "meeting": "",
        "raised_on": "2026-09-01",
        "priority": Issue.Priority.HIGH,
        "lead_department": departments[0].pk,
        "co_departments": [d.pk for d in departments[1:]],
        "deadline": "2026-10-16",
        "deadline_working_days": "",
        "follow_up_requirement": "Call the enterprise after each step.",
        "monitor": factories.UserFactory(username="monitor").pk,
        "then": "view",
    }


def _creates(staff, counted):
    client = factories.client_as(staff)
    sizes = {}
    for n in DEPARTMENTS:
        departments = _departments(n)
        client.post("/issues/new/", _create_post(departments, f"warm-{n}"))  # caches filled
        post = _create_post(departments, f"token-{n}")
        response, sizes[n] = counted(lambda post=post: client.post("/issues/new/", post))
        issue = Issue.objects.latest("pk")
        assert response.status_code == 302
        assert response["Location"] == f"/issues/{issue.pk}/"
        assert issue.status == Issue.Status.ASSIGNED
        assert issue.assignments.current().count() == n
        assert Notification.objects.filter(issue=issue).count() == 2 * n
        assert issue.history.count() == 2  # logged, then assigned
        assert issue.other_enterprises.count() == 1
    return sizes


def test_creating_and_assigning_an_issue_is_lean_and_flat(staff, counted):
    """Was 49 to 64 queries, growing with the departments, before issue 15."""
    _assert_lean_and_flat("create", _creates(staff, counted))


# --- assigning --------------------------------------------------------------------------------


@pytest.mark.parametrize("attachments", ATTACHMENTS)
def test_assigning_is_lean_and_flat(staff, counted, attachments):
    client = factories.client_as(staff)
    sizes = {}
    for n in DEPARTMENTS:
        departments = _departments(n)
        issue = _assigned(staff, [factories.DepartmentFactory(code=f"old{n}")], attachments=0)
        _attach(issue, staff, attachments)
        post = {
            "lead_department": departments[0].pk,
            "co_departments": [d.pk for d in departments[1:]],
            "deadline": "2026-10-23",
            "deadline_working_days": "",
            "responsible_person": "",
        }
        response, sizes[n] = counted(
            lambda issue=issue, post=post: client.post(f"/issues/{issue.pk}/assign/", post)
        )
        assert response.status_code == 302
        current = {a.department_id for a in issue.assignments.current()}
        assert current == {d.pk for d in departments}
        assert Notification.objects.filter(issue=issue).count() == 2 * n
    _assert_lean_and_flat(f"assign with {attachments} attachments", sizes)


# --- answering an assignment ------------------------------------------------------------------


@pytest.mark.parametrize("attachments", ATTACHMENTS)
def test_accepting_is_lean_and_flat(staff, counted, attachments):
    sizes = {}
    for n in DEPARTMENTS:
        departments = _departments(n)
        issue = _assigned(staff, departments, attachments=attachments)
        lead = issue.assignments.current().get(role=Assignment.Role.LEAD)
        client = factories.client_as(_liaison(departments[0]))
        response, sizes[n] = counted(
            lambda client=client, issue=issue, lead=lead: client.post(
                f"/issues/{issue.pk}/assignments/{lead.pk}/accept/"
            )
        )
        assert response.status_code == 302
        issue.refresh_from_db()
        assert issue.status == Issue.Status.IN_PROGRESS
    _assert_lean_and_flat(f"accept with {attachments} attachments", sizes)


@pytest.mark.parametrize("attachments", ATTACHMENTS)
def test_returning_is_lean_and_flat(staff, counted, attachments):
    sizes = {}
    for n in DEPARTMENTS:
        departments = _departments(n)
        issue = _assigned(staff, departments, attachments=attachments)
        lead = issue.assignments.current().get(role=Assignment.Role.LEAD)
        client = factories.client_as(_liaison(departments[0]))
        response, sizes[n] = counted(
            lambda client=client, issue=issue, lead=lead: client.post(
                f"/issues/{issue.pk}/assignments/{lead.pk}/return/",
                {"reason": "Not our remit."},
            )
        )
        assert response.status_code == 302
        issue.refresh_from_db()
        assert issue.status == Issue.Status.RETURNED
    _assert_lean_and_flat(f"return with {attachments} attachments", sizes)


# --- progress, extension, conclusion ----------------------------------------------------------


@pytest.mark.parametrize("attachments", ATTACHMENTS)
@pytest.mark.parametrize("with_file", [False, True])
def test_posting_progress_is_lean_and_flat(staff, counted, attachments, with_file):
    sizes = {}
    for n in DEPARTMENTS:
        departments = _departments(n)
        issue = _accepted(_assigned(staff, departments, attachments=attachments), departments)
        client = factories.client_as(_liaison(departments[-1]))
        post = {"body": "Met the customs office 与海关会面."}
        if with_file:
            post["file"] = SimpleUploadedFile("minutes.pdf", PDF)
        response, sizes[n] = counted(
            lambda client=client, issue=issue, post=post: client.post(
                f"/issues/{issue.pk}/progress/", post
            )
        )
        assert response.status_code == 302
        update = issue.updates.get(kind=ActionUpdate.Kind.PROGRESS)
        assert update.attachments.count() == int(with_file)
    _assert_lean_and_flat(f"progress with {attachments} attachments, file {with_file}", sizes)


@pytest.mark.parametrize("attachments", ATTACHMENTS)
def test_requesting_an_extension_is_lean_and_flat(staff, counted, attachments):
    sizes = {}
    for n in DEPARTMENTS:
        departments = _departments(n)
        issue = _accepted(_assigned(staff, departments, attachments=attachments), departments)
        client = factories.client_as(_liaison(departments[0]))
        response, sizes[n] = counted(
            lambda client=client, issue=issue: client.post(
                f"/issues/{issue.pk}/extension/",
                {"requested_deadline": "2026-11-20", "reason": "The port is closed."},
            )
        )
        assert response.status_code == 302
        assert issue.extension_requests.get().status == ExtensionRequest.Status.PENDING
    _assert_lean_and_flat(f"extension with {attachments} attachments", sizes)


@pytest.mark.parametrize("attachments", ATTACHMENTS)
def test_reporting_the_conclusion_is_lean_and_flat(staff, counted, attachments):
    sizes = {}
    for n in DEPARTMENTS:
        departments = _departments(n)
        issue = _accepted(_assigned(staff, departments, attachments=attachments), departments)
        client = factories.client_as(_liaison(departments[0]))
        response, sizes[n] = counted(
            lambda client=client, issue=issue: client.post(
                f"/issues/{issue.pk}/conclude/",
                {"resolution": "Cleared on 28 September.", "concluded_on": "2026-09-28"},
            )
        )
        assert response.status_code == 302
        issue.refresh_from_db()
        assert issue.status == Issue.Status.CONCLUSION_REPORTED
    _assert_lean_and_flat(f"conclude with {attachments} attachments", sizes)


# --- closing ----------------------------------------------------------------------------------


@pytest.mark.parametrize("attachments", ATTACHMENTS)
def test_closing_is_lean_and_flat(staff, counted, attachments):
    client = factories.client_as(staff)
    sizes = {}
    for n in DEPARTMENTS:
        departments = _departments(n)
        issue = _accepted(_assigned(staff, departments, attachments=attachments), departments)
        services.issue_report_conclusion(
            actor=_liaison(departments[0]), issue=issue, resolution="Cleared."
        )
        response, sizes[n] = counted(
            lambda issue=issue: client.post(
                f"/issues/{issue.pk}/close/", {"satisfaction": Issue.Satisfaction.SATISFIED}
            )
        )
        assert response.status_code == 302
        issue.refresh_from_db()
        assert issue.status == Issue.Status.CLOSED
    _assert_lean_and_flat(f"close with {attachments} attachments", sizes)
