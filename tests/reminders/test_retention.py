"""Retention of the reminder log and the notifications (issues/retention.py): old rows go, in
batches; nothing a reminder still needs to stay exactly-once ever goes."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from roundtable.meetings.models import Meeting, Roundtable
from roundtable.notifications import retention
from roundtable.notifications.models import Notification, ReminderLog
from roundtable.notifications.reminders import ReminderKind, reminders_due
from tests import factories
from tests.reminders.conftest import at, make_issue, run

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 1)  # a Monday, a working day
STICKY = [ReminderKind.ACCEPTANCE, ReminderKind.ESCALATED, ReminderKind.MINUTES, ReminderKind.VISIT]


def _row(people, issue, *, due_on, status="sent", kind="overdue", who="LA"):
    return ReminderLog.objects.create(
        kind=kind,
        subject_key=f"issue:{issue.pk}",
        issue=issue,
        recipient=people[who],
        due_on=due_on,
        status=status,
        claimed_at=at(due_on),
    )


def _purge(**kwargs):
    with time_machine.travel(at(TODAY, 3, 30), tick=False):
        return retention.expired_purge(**kwargs)


def test_settled_rows_past_the_retention_go_in_batches_and_the_rest_stay(people):
    issue = make_issue(deadline=date(2024, 12, 2), lead=people["dept_a"])
    old = TODAY - timedelta(days=401)
    gone = [
        _row(people, issue, due_on=old - timedelta(days=n), status=status)
        for n, status in enumerate(["sent", "failed", "uncertain", "sent", "sent"])
    ]
    kept = [
        _row(people, issue, due_on=TODAY - timedelta(days=399)),  # younger than 400 days
        _row(people, issue, due_on=old - timedelta(days=10), status="claimed"),  # being sent
        _row(people, issue, due_on=old - timedelta(days=11), status="retry"),  # will retry
    ]
    report = _purge(batch_size=2)
    assert report.reminder_log == len(gone)
    assert set(ReminderLog.objects.values_list("pk", flat=True)) == {r.pk for r in kept}


def test_notifications_go_by_age_read_sooner_than_unread_never_while_their_email_is_sent(
    people,
):
    now = at(TODAY, 3, 30)

    def notice(days, *, read, reminder=None):
        created = now - timedelta(days=days)
        return Notification.objects.create(
            recipient=people["LA"],
            title="A notice",
            created_at=created,
            read_at=created + timedelta(hours=1) if read else None,
            reminder=reminder,
        )

    issue = make_issue(deadline=date(2024, 12, 2), lead=people["dept_a"])
    sending = _row(people, issue, due_on=TODAY - timedelta(days=500), status="retry")
    gone = [notice(181, read=True), notice(401, read=False), notice(900, read=True)]
    kept = [
        notice(179, read=True),
        notice(399, read=False),
        notice(500, read=False, reminder=sending),  # its e-mail is still being retried
    ]
    report = _purge(batch_size=1)
    assert (report.read_notifications, report.unread_notifications) == (2, 1)
    assert set(Notification.objects.values_list("pk", flat=True)) == {n.pk for n in kept}
    assert not Notification.objects.filter(pk__in=[n.pk for n in gone]).exists()


def test_a_too_short_retention_is_raised_to_the_minimum_and_zero_keeps_forever(people, settings):
    issue = make_issue(deadline=date(2024, 12, 2), lead=people["dept_a"])
    recent = _row(people, issue, due_on=TODAY - timedelta(days=60))
    ancient = _row(people, issue, due_on=TODAY - timedelta(days=3000))
    settings.RETENTION_DAYS = {**settings.RETENTION_DAYS, "reminder_log": 10}
    _purge()
    assert ReminderLog.objects.filter(pk=recent.pk).exists()  # 60 < 120 days minimum
    assert not ReminderLog.objects.filter(pk=ancient.pk).exists()

    again = _row(people, issue, due_on=TODAY - timedelta(days=3000))
    settings.RETENTION_DAYS = {**settings.RETENTION_DAYS, "reminder_log": 0}
    _purge()
    assert ReminderLog.objects.filter(pk=again.pk).exists()


def test_a_purge_never_lets_a_reminder_go_out_twice(people):
    """Four rules keep the day a reminder was first due for as long as its condition lasts:
    an unaccepted assignment, an escalation, unpublished minutes, a long visit interval.
    More than 400 days later the rules still yield the same keys, so their rows must stay;
    the old overdue rows, whose keys are dated by the day, go."""
    dept_a = people["dept_a"]
    make_issue(
        deadline=date(2025, 3, 14),
        lead=dept_a,
        status="assigned",
        lead_status="pending",
        monitor=people["Mo"],
        assigned_at=at(date(2025, 3, 3), 10),
    )
    roundtable = Roundtable.objects.create(
        name_zh="测试圆桌会议", jurisdiction="Test", leading_department=dept_a
    )
    Meeting.objects.create(
        roundtable=roundtable,
        kind=Meeting.Kind.QUARTERLY_ROUNDTABLE,
        topic="Q1 roundtable",
        starts_at=at(date(2025, 3, 3), 14),
        status=Meeting.Status.HELD,
    )
    official = factories.UserFactory(username="official")
    enterprise = factories.EnterpriseFactory(designated_official=official, visit_interval_days=1000)
    type(enterprise).objects.filter(pk=enterprise.pk).update(created_at=at(date(2022, 6, 1), 10))

    run(date(2025, 3, 6))  # acceptance (3 working days), the visit (due 25 Feb 2025)
    run(date(2025, 3, 10))  # minutes unpublished 5 working days after the meeting
    run(date(2025, 3, 24))  # overdue by more than 5 working days: escalated, and overdue
    sticky = {
        kind: sorted(ReminderLog.objects.filter(kind=kind).values_list("pk", "due_on"))
        for kind in STICKY
    }
    assert all(sticky.values()), sticky
    overdue_2025 = set(ReminderLog.objects.filter(kind="overdue").values_list("pk", flat=True))
    assert overdue_2025

    # The rules still yield these keys today: without their rows they would be sent again.
    with time_machine.travel(at(TODAY, 9), tick=False):
        due_today = {(s.kind, s.due_on) for s in reminders_due(today=TODAY)}
    for kind, rows in sticky.items():
        assert {(kind, due_on) for _pk, due_on in rows} <= due_today, kind

    _purge()
    assert not ReminderLog.objects.filter(pk__in=overdue_2025).exists()
    for kind, rows in sticky.items():
        assert sorted(ReminderLog.objects.filter(kind=kind).values_list("pk", "due_on")) == rows

    run(TODAY)
    for kind, rows in sticky.items():
        assert sorted(ReminderLog.objects.filter(kind=kind).values_list("pk", "due_on")) == rows
    assert ReminderLog.objects.filter(kind="overdue", due_on=TODAY).exists()  # today's go out


def test_the_command_and_the_nightly_jobs_call_the_same_purge(people, settings, capsys):
    from issues import tasks as issue_tasks
    from roundtable.notifications import tasks

    issue = make_issue(deadline=date(2024, 12, 2), lead=people["dept_a"])
    _row(people, issue, due_on=timezone.localdate() - timedelta(days=1000))
    call_command("purge_expired")
    out = capsys.readouterr().out
    assert "purged 1 reminder-log rows" in out and "deleted 0 orphaned attachment files" in out
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["purge-expired"]["task"] == "issues.tasks.purge_expired"
    assert schedule["sweep-orphan-files"]["task"] == "issues.tasks.sweep_orphan_files"
    assert tasks.purge_expired.name == "issues.tasks.purge_expired"
    assert issue_tasks.sweep_orphan_files.name == "issues.tasks.sweep_orphan_files"
    _row(people, issue, due_on=timezone.localdate() - timedelta(days=1000))
    tasks.purge_expired.delay()  # eager in the tests: runs here
    assert not ReminderLog.objects.exists()
