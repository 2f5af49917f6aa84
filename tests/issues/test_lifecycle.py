"""Every allowed and refused step of the issue lifecycle, through the services."""

from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from issues import services
from issues.models import ActionUpdate, Assignment, ExtensionRequest, Issue
from roundtable.notifications.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = date(2026, 9, 29)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel("2026-09-29 10:00 +0800", tick=False):
        yield


@pytest.fixture
def logged(staff, enterprise_1, monitor):
    return services.issue_create(
        actor=staff,
        title="Approval of the factory extension",
        enterprise=enterprise_1,
        category=factories.CategoryFactory(),
        source=Issue.Source.SERVICE_VISIT,
        raised_on=TODAY,
        monitor=monitor,
    )


@pytest.fixture
def assigned(logged, staff, dept_a, dept_b, liaison_a, liaison_b):
    return services.issue_assign(
        actor=staff,
        issue=logged,
        lead_department=dept_a,
        co_departments=[dept_b],
        deadline=date(2026, 10, 9),
    )


_lead, _co = factories.lead_of, factories.co_of


@pytest.fixture
def in_progress(assigned, liaison_a, liaison_b):
    services.assignment_accept(actor=liaison_a, assignment=_lead(assigned))
    services.assignment_accept(actor=liaison_b, assignment=_co(assigned))
    assigned.refresh_from_db()
    return assigned


@pytest.fixture
def concluded(in_progress, liaison_a):
    return services.issue_report_conclusion(
        actor=liaison_a, issue=in_progress, resolution="Permit issued on 8 October."
    )


def kinds(issue):
    return list(issue.updates.values_list("kind", flat=True))


def test_logging_leaves_a_logged_timeline_entry(logged):
    assert logged.status == Issue.Status.LOGGED
    assert kinds(logged) == [ActionUpdate.Kind.LOGGED]


def test_only_commerce_staff_log_issues(liaison_a, enterprise_1):
    with pytest.raises(PermissionDenied):
        services.issue_create(
            actor=liaison_a,
            title="x",
            enterprise=enterprise_1,
            category=factories.CategoryFactory(),
            source="other",
        )


def test_assignment_notifies_the_departments_and_awaits_acceptance(assigned, liaison_a):
    assert assigned.status == Issue.Status.ASSIGNED
    assert assigned.deadline == assigned.original_deadline == date(2026, 10, 9)
    assert _lead(assigned).status == Assignment.Status.PENDING
    assert Notification.objects.filter(recipient=liaison_a, issue=assigned).exists()


def test_lead_acceptance_puts_the_issue_in_progress(assigned, liaison_a):
    services.assignment_accept(actor=liaison_a, assignment=_lead(assigned))
    assigned.refresh_from_db()
    assert assigned.status == Issue.Status.IN_PROGRESS
    assert _lead(assigned).responsible_person == liaison_a


def test_co_handler_acceptance_leaves_the_issue_status(assigned, liaison_b):
    services.assignment_accept(actor=liaison_b, assignment=_co(assigned))
    assigned.refresh_from_db()
    assert assigned.status == Issue.Status.ASSIGNED


def test_an_assignment_is_accepted_only_once(assigned, liaison_a, head_a):
    services.assignment_accept(actor=liaison_a, assignment=_lead(assigned))
    with pytest.raises(services.TransitionRefused):
        services.assignment_accept(actor=head_a, assignment=_lead(assigned))
    assert assigned.updates.filter(kind="accepted").count() == 1


def test_another_department_cannot_accept(assigned, liaison_b, liaison_c):
    for outsider in (liaison_b, liaison_c):
        with pytest.raises(PermissionDenied):
            services.assignment_accept(actor=outsider, assignment=_lead(assigned))


def test_lead_return_needs_a_reason_and_sends_it_back_to_staff(assigned, liaison_a, staff):
    with pytest.raises(services.TransitionRefused):
        services.assignment_return(actor=liaison_a, assignment=_lead(assigned), reason="  ")
    services.assignment_return(
        actor=liaison_a, assignment=_lead(assigned), reason="Land use is the bureau's remit."
    )
    assigned.refresh_from_db()
    assert assigned.status == Issue.Status.RETURNED
    assert Notification.objects.filter(recipient=staff, issue=assigned).exists()


def test_returned_issue_is_reassigned_and_the_old_department_loses_access(
    assigned, liaison_a, staff, dept_c, liaison_c
):
    services.assignment_return(actor=liaison_a, assignment=_lead(assigned), reason="Not ours")
    services.issue_assign(
        actor=staff, issue=assigned, lead_department=dept_c, deadline=date(2026, 10, 16)
    )
    assert not Issue.objects.visible_to(liaison_a).filter(pk=assigned.pk).exists()
    assert Issue.objects.visible_to(liaison_c).filter(pk=assigned.pk).exists()
    assigned.refresh_from_db()
    assert assigned.status == Issue.Status.ASSIGNED
    assert assigned.original_deadline == date(2026, 10, 9)
    assert assigned.lead_department == dept_c  # kept in step for the dashboard


def test_an_accepted_assignment_cannot_be_returned(in_progress, liaison_a):
    with pytest.raises(services.TransitionRefused):
        services.assignment_return(actor=liaison_a, assignment=_lead(in_progress), reason="x")


def test_progress_needs_an_accepted_assignment(assigned, liaison_a, liaison_b, monitor):
    with pytest.raises(services.TransitionRefused):
        services.issue_post_progress(actor=liaison_a, issue=assigned, body="Started")
    with pytest.raises(PermissionDenied):
        services.issue_post_progress(actor=monitor, issue=assigned, body="Started")
    services.assignment_accept(actor=liaison_b, assignment=_co(assigned))
    services.issue_post_progress(actor=liaison_b, issue=assigned, body="Site visit done")
    assert assigned.updates.filter(kind="progress").count() == 1


def test_conclusion_before_acceptance_is_refused(assigned, liaison_a):
    with pytest.raises(services.TransitionRefused):
        services.issue_report_conclusion(actor=liaison_a, issue=assigned, resolution="Done")
    assigned.refresh_from_db()
    assert assigned.status == Issue.Status.ASSIGNED


def test_only_the_lead_reports_the_conclusion(in_progress, liaison_b):
    with pytest.raises(PermissionDenied):
        services.issue_report_conclusion(actor=liaison_b, issue=in_progress, resolution="Done")


def test_conclusion_reported_then_verified_and_closed(concluded, staff):
    assert concluded.status == Issue.Status.CONCLUSION_REPORTED
    assert concluded.concluded_on == TODAY
    closed = services.issue_close(actor=staff, issue=concluded, satisfaction="satisfied")
    assert closed.status == Issue.Status.CLOSED
    assert closed.closed_at is not None
    assert kinds(closed)[-1] == ActionUpdate.Kind.CLOSED


def test_dissatisfied_verification_reopens(concluded, staff, liaison_a):
    issue = services.issue_close(actor=staff, issue=concluded, satisfaction="dissatisfied")
    issue.refresh_from_db()
    assert issue.status == Issue.Status.IN_PROGRESS
    assert issue.reopened_count == 1
    assert issue.concluded_on is None
    assert _lead(issue).status == Assignment.Status.ACCEPTED
    assert Notification.objects.filter(recipient=liaison_a, title__contains="reopened").exists()


def test_close_while_a_co_handler_is_pending_is_refused(assigned, liaison_a, staff):
    services.assignment_accept(actor=liaison_a, assignment=_lead(assigned))
    services.issue_report_conclusion(actor=liaison_a, issue=assigned, resolution="Done")
    with pytest.raises(services.TransitionRefused, match="co-handling"):
        services.issue_close(actor=staff, issue=assigned, satisfaction="satisfied")
    assigned.refresh_from_db()
    assert assigned.status == Issue.Status.CONCLUSION_REPORTED


def test_close_needs_a_reported_conclusion(in_progress, staff):
    with pytest.raises(services.TransitionRefused):
        services.issue_close(actor=staff, issue=in_progress, satisfaction="satisfied")


def test_only_staff_close(concluded, liaison_a, chair):
    for user in (liaison_a, chair):
        with pytest.raises(PermissionDenied):
            services.issue_close(actor=user, issue=concluded, satisfaction="satisfied")


def test_a_wrong_conclusion_is_reopened_by_staff(concluded, staff):
    services.issue_reopen(actor=staff, issue=concluded, reason="The permit covers only phase 1")
    concluded.refresh_from_db()
    assert concluded.status == Issue.Status.IN_PROGRESS


def test_extension_granted_moves_the_deadline(in_progress, liaison_a, staff):
    ext = services.issue_request_extension(
        actor=liaison_a, issue=in_progress, requested_deadline=date(2026, 10, 23), reason="Survey"
    )
    with pytest.raises(services.TransitionRefused):
        services.issue_request_extension(
            actor=liaison_a, issue=in_progress, requested_deadline=date(2026, 10, 30), reason="x"
        )
    services.extension_decide(actor=staff, extension=ext, grant=True)
    in_progress.refresh_from_db()
    assert in_progress.deadline == date(2026, 10, 23)
    assert in_progress.original_deadline == date(2026, 10, 9)
    with pytest.raises(services.TransitionRefused):
        services.extension_decide(actor=staff, extension=ext, grant=False)


def test_extension_refused_keeps_the_deadline(in_progress, liaison_a, staff):
    ext = services.issue_request_extension(
        actor=liaison_a, issue=in_progress, requested_deadline=date(2026, 10, 23), reason="Survey"
    )
    services.extension_decide(actor=staff, extension=ext, grant=False, note="Not justified")
    in_progress.refresh_from_db()
    assert in_progress.deadline == date(2026, 10, 9)
    ext.refresh_from_db()
    assert ext.status == ExtensionRequest.Status.REFUSED


def test_extension_to_an_earlier_date_or_by_a_co_handler_is_refused(
    in_progress, liaison_a, liaison_b
):
    with pytest.raises(services.TransitionRefused):
        services.issue_request_extension(
            actor=liaison_a, issue=in_progress, requested_deadline=date(2026, 10, 1), reason="x"
        )
    with pytest.raises(PermissionDenied):
        services.issue_request_extension(
            actor=liaison_b, issue=in_progress, requested_deadline=date(2026, 11, 1), reason="x"
        )


def test_chair_instruction_on_any_issue(logged, chair, staff):
    services.issue_add_instruction(actor=chair, issue=logged, body="请尽快协调解决")
    assert logged.updates.filter(kind="instruction", author=chair).exists()
    with pytest.raises(PermissionDenied):
        services.issue_add_instruction(actor=staff, issue=logged, body="x")


def test_concluded_issue_cannot_be_reassigned(concluded, staff, dept_c):
    with pytest.raises(services.TransitionRefused):
        services.issue_assign(
            actor=staff, issue=concluded, lead_department=dept_c, deadline=date(2026, 11, 1)
        )


def test_every_transition_bumps_the_version(assigned, liaison_a):
    before = Issue.objects.get(pk=assigned.pk).version
    services.assignment_accept(actor=liaison_a, assignment=_lead(assigned))
    assert Issue.objects.get(pk=assigned.pk).version == before + 1


def test_stale_edit_is_refused_with_the_current_state(logged, staff):
    version = logged.version
    services.issue_update(actor=staff, issue=logged, expected_version=version, title="First")
    with pytest.raises(services.StaleVersion) as exc:
        services.issue_update(actor=staff, issue=logged, expected_version=version, title="Second")
    assert exc.value.current.title == "First"
    assert Issue.objects.get(pk=logged.pk).title == "First"


def test_the_responsible_person_must_hold_a_seat_in_the_lead_department(
    logged, staff, dept_a, dept_b, liaison_a, liaison_b, client
):
    """Reminders go to the responsible person, so it is someone who reads the issue: a head or
    liaison of the lead department, refused by the service and by the assign form alike."""
    with pytest.raises(services.TransitionRefused):
        services.issue_assign(
            actor=staff,
            issue=logged,
            lead_department=dept_a,
            deadline=date(2026, 10, 9),
            responsible_person=liaison_b,
        )
    logged.refresh_from_db()
    assert logged.status == Issue.Status.LOGGED and not logged.assignments.exists()

    client.force_login(staff)
    url = f"/issues/{logged.pk}/assign/"
    form = {"lead_department": dept_a.pk, "deadline": "2026-10-09"}
    response = client.post(url, {**form, "responsible_person": liaison_b.pk})
    assert response.status_code == 400
    assert "must be a current head or liaison of the lead department" in response.content.decode()
    assert not logged.assignments.exists()

    response = client.post(url, {**form, "responsible_person": liaison_a.pk})
    assert response.status_code == 302
    assert _lead(logged).responsible_person == liaison_a
