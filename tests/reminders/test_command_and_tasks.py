"""`manage.py send_reminders`, the Celery tasks and their schedule."""

from datetime import date
from io import StringIO

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.management import CommandError, call_command

from issues.models import ActionUpdate
from roundtable.notifications import tasks
from roundtable.notifications.models import ReminderLog
from tests.reminders.conftest import at, make_issue

pytestmark = pytest.mark.django_db


def _call(*args) -> str:
    out = StringIO()
    call_command("send_reminders", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def late(people):
    return make_issue(
        deadline=date(2026, 10, 9),
        lead=people["dept_a"],
        responsible=people["RA"],
        monitor=people["Mo"],
    )


def test_dry_run_lists_what_is_due_and_writes_nothing(late):
    output = _call("--date", "2026-10-16", "--dry-run")
    assert "overdue" in output and "escalated" in output and f"issue:{late.pk}" in output
    assert "(dry run: nothing written)" in output
    assert not ReminderLog.objects.exists() and mail.outbox == []
    late.refresh_from_db()
    assert late.escalated_on is None
    assert not ActionUpdate.objects.filter(kind="escalated").exists()


def test_a_run_for_a_date_sends_and_a_second_sends_nothing(late):
    with time_machine.travel(at(date(2026, 11, 2), 7), tick=False):  # before 09:00: --date
        first = _call("--date", "2026-10-16")
        again = _call("--date", "2026-10-16")
    assert "1 escalated" in first and "3 messages" in first
    assert "0 claimed" in again
    assert len(mail.outbox) == 3


def test_nothing_on_a_day_off(late):
    output = _call("--date", "2026-10-03")
    assert "nothing sent (not a working day)" in output
    assert mail.outbox == []


def test_a_bad_date_is_refused():
    with pytest.raises(CommandError, match="--date"):
        _call("--date", "2026-02-30")


def test_the_tasks_call_the_same_service(late):
    with time_machine.travel(at(date(2026, 10, 16), 9), tick=False):
        summary = tasks.send_reminders.apply().get()
        assert "3 messages" in summary
        assert "0 claimed" in tasks.deliver_pending.apply().get()
    with time_machine.travel(at(date(2026, 11, 2), 7), tick=False):
        assert (
            "nothing sent (not a working day)"
            in tasks.send_reminders.apply(kwargs={"day": "2026-10-04"}).get()
        )


def test_the_schedule_keeps_the_heartbeat_and_adds_the_reminder_jobs():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["heartbeat"]["task"] == "roundtable.dashboard.tasks.record_heartbeat"
    assert schedule["send-reminders"]["task"] == "issues.tasks.send_reminders"
    assert schedule["deliver-pending"]["task"] == "issues.tasks.deliver_pending"
    assert schedule["deliver-pending"]["schedule"] == 60.0
    from roundtable.celery import app

    registered = set(app.tasks)
    assert {"issues.tasks.send_reminders", "issues.tasks.deliver_pending"} <= registered
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST


def test_the_broker_check_reads_the_redis_eviction_policy(monkeypatch):
    assert tasks.broker_eviction_policy("filesystem://") is None

    class FakeRedis:
        def __init__(self, policy):
            self.policy = policy

        def config_get(self, name):
            return {name: self.policy}

        def close(self):
            pass

    import redis

    monkeypatch.setattr(
        redis.Redis, "from_url", classmethod(lambda cls, url, **kw: FakeRedis("allkeys-lru"))
    )
    assert tasks.broker_eviction_policy("redis://127.0.0.1:1/0") == "allkeys-lru"
