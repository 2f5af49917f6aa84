"""Exactly once, nothing lost (SECURITY.md §3 F2, F3, F5).

F2: the pipeline is stopped where a worker can die (before the claim, after the claim, after
the mail server accepted, after marking), by raising an exception that nothing in the pipeline
catches; the next runs after the claim lease then finish the work. F3: the same run twice, the
same task delivered twice, and on PostgreSQL concurrent runs in threads. F5: the messages
queued for the workers are lost; the next run derives everything from the database.
"""

import threading
from collections import Counter
from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from issues.models import ActionUpdate
from roundtable.notifications import delivery, reminders, tasks
from roundtable.notifications.models import Notification, ReminderLog
from tests.reminders.conftest import at, make_issue, pending, run

DAY = date(2026, 10, 16)  # a Friday; the deadline below is a week before
LEASE_MINUTES = 10


class WorkerDied(BaseException):
    """Not an Exception: like SIGKILL, nothing in the pipeline can catch it."""


@pytest.fixture
def overdue(people):
    """An escalation-age overdue issue on Fri 16 Oct: six reminders (overdue to RA, HA and Mo;
    the escalation notice and the week's digest to HA; the digest to Mo) in three messages,
    one per recipient."""
    return make_issue(
        deadline=date(2026, 10, 9),
        lead=people["dept_a"],
        responsible=people["RA"],
        monitor=people["Mo"],
    )


REMINDERS, MESSAGES = 6, 3


def _emails_per_recipient():
    return Counter(m.to[0] for m in mail.outbox)


def _die_at(monkeypatch, point, times=1):
    calls = {"n": 0}

    def fault(name):
        if name == point and calls["n"] < times:
            calls["n"] += 1
            raise WorkerDied(point)

    monkeypatch.setattr(delivery, "fault_point", fault)


# --- F2 -------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("point", ["before_claim", "claimed", "sent", "marked"])
def test_a_run_killed_midway_loses_nothing_and_duplicates_only_the_counted_window(
    monkeypatch, overdue, point
):
    _die_at(monkeypatch, point)
    with pytest.raises(WorkerDied):
        run(DAY, 9, 0)
    monkeypatch.undo()

    # Within the lease nobody touches the dead worker's claims, whatever runs.
    pending(DAY, 9, 5)
    pending(DAY, 9, 6)
    in_lease = ReminderLog.objects.filter(status=ReminderLog.Status.CLAIMED).count()
    if point == "before_claim":
        assert in_lease == 0  # nothing was claimed: the catch-up run sent it all
    # After the lease the next minute's job takes the claims over.
    pending(DAY, 9, LEASE_MINUTES + 1)
    pending(DAY, 9, LEASE_MINUTES + 2)

    rows = list(ReminderLog.objects.exclude(kind="notification").select_related("recipient"))
    assert len(rows) == REMINDERS
    statuses = Counter(r.status for r in rows)
    per_recipient = _emails_per_recipient()
    if point == "sent":
        # The mail server accepted the first message, the worker died before recording it:
        # its reminders were sent again, and are counted apart.
        uncertain = [r for r in rows if r.status == "uncertain"]
        assert uncertain and len({r.recipient_id for r in uncertain}) == 1
        assert statuses == {"sent": REMINDERS - len(uncertain), "uncertain": len(uncertain)}
        assert per_recipient.pop(uncertain[0].recipient.email) == 2
        assert all(delivery.UNCERTAIN_NOTE in r.error for r in uncertain)
    else:
        assert statuses == {"sent": REMINDERS}
    assert set(per_recipient.values()) == {1}
    assert len(mail.outbox) == MESSAGES + (point == "sent")
    # One in-app notice per reminder, even when it was e-mailed twice.
    assert Notification.objects.filter(reminder__in=rows).count() == REMINDERS


@pytest.mark.django_db
def test_a_second_crash_while_resending_is_still_counted_as_uncertain(monkeypatch, overdue):
    _die_at(monkeypatch, "sent")
    with pytest.raises(WorkerDied):
        run(DAY)
    # The worker that takes over dies the same way.
    _die_at(monkeypatch, "sent")
    with pytest.raises(WorkerDied):
        pending(DAY, 9, LEASE_MINUTES + 1)
    monkeypatch.undo()
    pending(DAY, 9, 2 * LEASE_MINUTES + 2)
    uncertain = ReminderLog.objects.filter(status="uncertain")
    assert uncertain.exists() and uncertain.values("recipient").distinct().count() == 1
    assert ReminderLog.objects.filter(status="claimed").count() == 0
    assert ReminderLog.objects.filter(status="sent").count() == REMINDERS - uncertain.count()


@pytest.mark.django_db
def test_a_live_claim_is_not_taken_over_within_its_lease(overdue):
    specs = reminders.reminders_due(today=DAY)
    with time_machine.travel(at(DAY, 9), tick=False):
        rows = delivery.reminders_claim(specs=specs, now=at(DAY, 9))
    assert len(rows) == REMINDERS
    pending(DAY, 9, LEASE_MINUTES - 1)
    assert mail.outbox == []
    # The first worker wakes up and sends: nothing was stolen from it.
    with time_machine.travel(at(DAY, 9, LEASE_MINUTES - 1), tick=False):
        report = delivery.reminders_deliver(rows=rows, now=at(DAY, 9))
    assert report.sent == REMINDERS and len(mail.outbox) == MESSAGES


@pytest.mark.django_db
def test_a_worker_that_outlived_its_lease_does_not_send_what_another_took_over(overdue):
    specs = reminders.reminders_due(today=DAY)
    with time_machine.travel(at(DAY, 9), tick=False):
        rows = delivery.reminders_claim(specs=specs, now=at(DAY, 9))
    pending(DAY, 9, LEASE_MINUTES + 1)  # another worker takes over and sends
    assert len(mail.outbox) == MESSAGES
    with time_machine.travel(at(DAY, 9, LEASE_MINUTES + 2), tick=False):
        report = delivery.reminders_deliver(rows=rows, now=at(DAY, 9))
    assert report.sent == 0 and len(mail.outbox) == MESSAGES


# --- F3 -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_same_run_twice_sends_each_reminder_once(overdue):
    first = run(DAY)
    assert first.delivery.sent == REMINDERS
    again = run(DAY)
    later = run(DAY, 15)
    assert again.due == later.due == REMINDERS
    assert again.delivery.claimed == later.delivery.claimed == 0
    assert len(mail.outbox) == MESSAGES


@pytest.mark.django_db
def test_a_rerun_sends_nothing_already_logged_to_the_database(overdue):
    """A rerun finds the day's reminders in the log before wording them: nothing is written
    into the log or the bell again (at 100,000 issues a rerun spent 21 s doing so)."""
    run(DAY)
    with CaptureQueriesContext(connection) as ctx:
        again = run(DAY)
    assert again.due == REMINDERS and again.delivery.claimed == 0
    writes = [
        q["sql"][:80]
        for q in ctx.captured_queries
        if q["sql"].startswith("INSERT")
        and ("issues_reminderlog" in q["sql"] or "issues_notification" in q["sql"])
    ]
    assert writes == []


@pytest.mark.django_db
def test_the_same_task_delivered_twice_sends_once(overdue):
    with time_machine.travel(at(DAY, 9), tick=False):
        tasks.send_reminders.apply()
        tasks.send_reminders.apply()  # a redelivery (acks_late after a lost connection)
        tasks.deliver_pending.apply()
    assert len(mail.outbox) == MESSAGES
    assert ReminderLog.objects.exclude(kind="notification").count() == REMINDERS
    assert ActionUpdate.objects.filter(kind=ActionUpdate.Kind.ESCALATED).count() == 1


postgres_only = pytest.mark.skipif(
    "postgresql" not in __import__("django.conf").conf.settings.DATABASES["default"]["ENGINE"],
    reason="concurrent claims need a database with row locks: run with DATABASE_URL=postgres://…",
)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_on_two_workers_send_one_email_per_key(people):
    for i in range(30):
        make_issue(
            deadline=date(2026, 10, 9) - timedelta(days=i % 5),
            lead=people["dept_a"] if i % 2 else people["dept_b"],
            # Each lead's own person: one of another department is skipped at send time.
            responsible=people["RA"] if i % 2 else people["LB"],
            monitor=people["Mo"],
        )
    barrier = threading.Barrier(4)
    errors = []

    def worker():
        try:
            barrier.wait()
            reminders.reminders_run(now=at(DAY, 9))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    with time_machine.travel(at(DAY, 9), tick=False):
        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    rows = ReminderLog.objects.exclude(kind="notification")
    assert rows.filter(status="sent").count() == rows.count() > 30
    # Each recipient got one message holding each of its reminders once.
    delivered = Counter()
    for message in mail.outbox:
        delivered[message.to[0]] += 1
    assert set(delivered.values()) == {1}
    # And each issue was escalated once, though four runs raced to do it.
    escalations = Counter(
        ActionUpdate.objects.filter(kind=ActionUpdate.Kind.ESCALATED).values_list(
            "issue_id", flat=True
        )
    )
    assert escalations and set(escalations.values()) == {1}


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_redelivery_while_the_first_run_sleeps_sends_nothing_twice(monkeypatch, overdue):
    """Redis redelivers an unacknowledged task after its visibility timeout while the first
    worker is still busy: the second run finds every key claimed and sends nothing."""
    first_claimed = threading.Event()
    go_on = threading.Event()

    def slow(name):
        if name == "claimed" and threading.current_thread().name == "first":
            first_claimed.set()
            go_on.wait(10)

    monkeypatch.setattr(delivery, "fault_point", slow)
    results = {}

    def first():
        try:
            results["first"] = reminders.reminders_run(now=at(DAY, 9))
        finally:
            connection.close()

    with time_machine.travel(at(DAY, 9, 0, 5), tick=False):
        thread = threading.Thread(target=first, name="first")
        thread.start()
        assert first_claimed.wait(10)
        results["second"] = reminders.reminders_run(now=at(DAY, 9, 0, 5))
        go_on.set()
        thread.join()
    assert results["second"].delivery.claimed == 0
    assert results["first"].delivery.sent == REMINDERS
    assert len(mail.outbox) == MESSAGES


# --- F5 -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_after_the_queued_tasks_are_lost_the_next_run_sends_everything_once(people, overdue):
    # More work of several kinds, and a notification written by a service (outbox row).
    make_issue(deadline=date(2026, 10, 19), lead=people["dept_a"], responsible=people["RA"])
    with time_machine.travel(at(DAY, 8, 50), tick=False):
        Notification.objects.create(
            recipient=people["LA"], title="X assigned to your department", reason="Your department"
        )
    # The 09:00 task and 100 others were in the broker when it was flushed: none ran. The
    # next beat tick of the minute job finds the day's run missing and does it.
    caught_up, notices = pending(DAY, 9, 7)
    assert caught_up is not None and caught_up.delivery.sent == caught_up.due > REMINDERS
    assert notices.sent == 1
    total = len(mail.outbox)
    # The lost messages come back after all (a broker restored from its AOF): 100 more runs
    # of the same task send nothing more.
    with time_machine.travel(at(DAY, 9, 8), tick=False):
        for _ in range(100):
            tasks.send_reminders.apply()
    assert len(mail.outbox) == total
    keys = list(ReminderLog.objects.values_list("subject_key", "kind", "recipient_id", "due_on"))
    assert len(keys) == len(set(keys))
