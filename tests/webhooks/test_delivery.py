"""Outbound webhooks delivered to a real receiver on 127.0.0.1: signed, retried with backoff,
exactly once per event and endpoint."""

from datetime import date, timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from issues import events, services
from roundtable.webhooks import sending, tasks
from roundtable.webhooks import services as webhook_services
from roundtable.webhooks.models import Delivery, Event
from tests import factories

pytestmark = pytest.mark.django_db

NOW = "2026-09-29 10:00 +0800"


def _create(staff, dept_a, enterprise_1, **kwargs):
    return services.issue_create(
        actor=staff,
        title="Customs clearance slow 通关缓慢",
        description="Internal note: the director's phone is 138 0000 0000",
        enterprise=enterprise_1,
        category=factories.CategoryFactory(),
        source="hotline",
        raised_on=date(2026, 9, 28),
        lead_department=dept_a,
        deadline=date(2026, 10, 30),
        **kwargs,
    )


def test_created_and_assigned_issue_is_posted_signed_once_per_event(
    staff, dept_a, enterprise_1, endpoint, receiver, django_capture_on_commit_callbacks
):
    with time_machine.travel(NOW, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            issue = _create(staff, dept_a, enterprise_1)
        # The request only records the deliveries; the worker's periodic run sends them.
        assert receiver.requests == []
        tasks.deliver_due()

    assert [r["body"]["event"] for r in receiver.requests] == ["issue.created", "issue.assigned"]
    for request in receiver.requests:
        assert request["signed"], "the signature verifies with the endpoint's secret"
        assert request["path"] == "/hooks/roundtable"
        body, headers = request["body"], request["headers"]
        assert headers["X-Roundtable-Event-Id"] == body["id"]
        assert headers["X-Roundtable-Event"] == body["event"]
        assert body["occurred_at"].startswith("2026-09-29T02:00:00")
        assert body["issue"]["reference"] == issue.reference
        assert body["issue"]["status"] == "assigned"
        assert body["issue"]["url"].endswith(f"/issues/{issue.pk}/")
        assert body["issue"]["api_url"].endswith(f"/api/issues/{issue.pk}/")
        assert "director" not in str(body), "no internal notes leave the portal"
    assert receiver.requests[0]["body"]["id"] != receiver.requests[1]["body"]["id"]
    rows = Delivery.objects.order_by("pk")
    assert [(d.status, d.attempts, d.response_status) for d in rows] == [
        ("delivered", 1, 200),
        ("delivered", 1, 200),
    ]
    assert rows[0].response_body == '{"received": true}'
    assert rows[0].duration_ms is not None


def test_a_step_rolled_back_announces_nothing(
    staff, dept_a, enterprise_1, endpoint, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(services.TransitionRefused), transaction.atomic():
            _create(staff, dept_a, enterprise_1, responsible_person=staff)
    assert receiver.requests == []
    assert not Delivery.objects.exists()


def test_concluded_and_closed_issue_are_posted(
    staff, dept_a, enterprise_1, liaison_a, endpoint, receiver, django_capture_on_commit_callbacks
):
    webhook_services.endpoint_update(
        actor=endpoint.created_by,
        endpoint=endpoint,
        name=endpoint.name,
        url=endpoint.url,
        events=[Event.CONCLUDED, Event.CLOSED],
        is_active=True,
    )
    with time_machine.travel(NOW, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            issue = _create(staff, dept_a, enterprise_1)
            lead = issue.assignments.get(role="lead")
            services.assignment_accept(actor=liaison_a, assignment=lead)
            services.issue_report_conclusion(actor=liaison_a, issue=issue, resolution="Done")
            services.issue_close(actor=staff, issue=issue, satisfaction="satisfied")
        tasks.deliver_due()
    assert [(r["body"]["event"], r["body"]["issue"]["status"]) for r in receiver.requests] == [
        ("issue.concluded", "concluded"),
        ("issue.closed", "closed"),
    ]
    assert all(r["signed"] for r in receiver.requests)


def test_a_500_is_retried_with_backoff_then_delivered(
    staff, dept_a, enterprise_1, endpoint, receiver, django_capture_on_commit_callbacks
):
    webhook_services.endpoint_update(
        actor=endpoint.created_by,
        endpoint=endpoint,
        name=endpoint.name,
        url=endpoint.url,
        events=[Event.CREATED],
        is_active=True,
    )
    receiver.statuses = [500, 503]
    with time_machine.travel(NOW, tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            _create(staff, dept_a, enterprise_1)
        tasks.deliver_due()
        delivery = Delivery.objects.get()
        assert (delivery.status, delivery.attempts, delivery.response_status) == ("pending", 1, 500)
        assert delivery.next_attempt_at == timezone.now() + timedelta(minutes=1)

        assert tasks.deliver_due() == 0, "not due before its minute is up"
        clock.shift(timedelta(seconds=61))
        assert tasks.deliver_due() == 1
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.response_status) == ("pending", 2, 503)
        assert delivery.next_attempt_at == timezone.now() + timedelta(minutes=5)

        clock.shift(timedelta(minutes=5))
        assert tasks.deliver_due() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("delivered", 3, 200)
    assert len(receiver.requests) == 3
    assert len({r["headers"]["X-Roundtable-Event-Id"] for r in receiver.requests}) == 1
    assert [r["headers"]["X-Roundtable-Attempt"] for r in receiver.requests] == ["1", "2", "3"]
    assert all(r["signed"] for r in receiver.requests)


def test_gives_up_after_the_last_attempt(settings, issue_x, endpoint, receiver):
    settings.WEBHOOKS = {**settings.WEBHOOKS, "MAX_ATTEMPTS": 2}
    receiver.statuses = [500, 500]
    with time_machine.travel(NOW, tick=False) as clock:
        webhook_services.deliveries_create(
            occurrences=[events.Occurrence(events.CLOSED, issue_x.pk)]
        )
        tasks.deliver_due()
        clock.shift(timedelta(minutes=2))
        tasks.deliver_due()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 2, None)
    assert len(receiver.requests) == 2


def test_exactly_once_when_the_task_runs_twice_and_the_event_is_announced_twice(
    issue_x, endpoint, receiver
):
    with time_machine.travel(NOW, tick=False):
        occurrence = events.Occurrence(events.ASSIGNED, issue_x.pk)
        first = webhook_services.deliveries_create(occurrences=[occurrence])
        again = webhook_services.deliveries_create(occurrences=[occurrence])
        assert Delivery.objects.count() == 1
        (pk,) = first
        assert again in ([pk], [])  # delivered by the eager task, or still queued
        tasks.deliver(pk)
        tasks.deliver(pk)
        tasks.deliver_due()
    assert len(receiver.requests) == 1
    assert Delivery.objects.get().attempts == 1


def test_a_claimed_attempt_is_not_sent_by_a_second_worker(issue_x, endpoint, receiver, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # nothing is sent until a worker claims it
    with time_machine.travel(NOW, tick=False):
        Delivery.objects.create(
            endpoint=endpoint,
            event=events.CLOSED,
            event_id=events.overdue_event_id(issue_x.pk, date(2026, 9, 1)),
            payload={"event": events.CLOSED},
            next_attempt_at=timezone.now(),
        )
        pk = Delivery.objects.get().pk
        assert sending.claim(pk, timezone.now()) is True
        # Another worker (the sweep, or the same task delivered twice) finds it held.
        assert sending.delivery_attempt(pk=pk) is None
        assert sending.deliveries_due() == []
    assert receiver.requests == []


def test_overdue_is_announced_once_per_deadline(issue_x, endpoint, receiver):
    issue_x.deadline = date(2026, 9, 25)
    issue_x.save()
    with time_machine.travel(NOW, tick=False):
        assert events.issues_overdue_announce(today=date(2026, 9, 29)) == 1
        assert events.issues_overdue_announce(today=date(2026, 9, 30)) == 1
        tasks.deliver_due()
        tasks.deliver_due()
    (request,) = receiver.requests
    assert request["body"]["event"] == "issue.overdue"
    assert request["body"]["id"] == str(events.overdue_event_id(issue_x.pk, date(2026, 9, 25)))
    # A new deadline that passes is a new occurrence.
    issue_x.deadline = date(2026, 10, 9)
    issue_x.save()
    with time_machine.travel("2026-10-12 10:00 +0800", tick=False):
        events.issues_overdue_announce(today=date(2026, 10, 12))
        tasks.deliver_due()
    assert len(receiver.requests) == 2
    assert Delivery.objects.filter(event="issue.overdue").count() == 2


def test_the_daily_reminder_run_announces_overdue_issues(issue_x, endpoint, receiver):
    from roundtable.notifications.reminders import reminders_run

    issue_x.deadline = date(2026, 9, 25)
    issue_x.save()
    with time_machine.travel(NOW, tick=False):
        reminders_run(day=date(2026, 9, 29))
        reminders_run(day=date(2026, 9, 29))
        tasks.deliver_due()
    assert [r["body"]["event"] for r in receiver.requests] == ["issue.overdue"]


def test_a_deactivated_endpoint_receives_nothing(admin_user, issue_x, endpoint, receiver):
    with time_machine.travel(NOW, tick=False):
        Delivery.objects.create(
            endpoint=endpoint,
            event=events.CLOSED,
            event_id=events.overdue_event_id(issue_x.pk, date(2026, 9, 1)),
            payload={"event": events.CLOSED},
            next_attempt_at=timezone.now(),
        )
        webhook_services.endpoint_deactivate(actor=admin_user, endpoint=endpoint)
        webhook_services.deliveries_create(
            occurrences=[events.Occurrence(events.CLOSED, issue_x.pk)]
        )
        tasks.deliver_due()
    assert receiver.requests == []
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.error) == ("failed", "endpoint deactivated")


def test_a_receiver_that_does_not_answer_in_time_is_retried(settings, issue_x, endpoint, receiver):
    settings.WEBHOOKS = {**settings.WEBHOOKS, "TIMEOUT_SECONDS": 1}
    receiver.delay = 2
    with time_machine.travel(NOW, tick=False):
        webhook_services.deliveries_create(
            occurrences=[events.Occurrence(events.CLOSED, issue_x.pk)]
        )
        tasks.deliver_due()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("pending", 1, None)
    assert "timed out" in delivery.error.lower()
    assert delivery.next_attempt_at is not None


def test_a_failing_receiver_of_the_event_does_not_undo_the_step(
    staff, dept_a, enterprise_1, django_capture_on_commit_callbacks
):
    def broken(sender, **kwargs):
        raise RuntimeError("receiver down")

    events.issue_event.connect(broken, dispatch_uid="test-broken")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            issue = _create(staff, dept_a, enterprise_1)
    finally:
        events.issue_event.disconnect(dispatch_uid="test-broken")
    assert issue.pk and issue.status == "assigned"
