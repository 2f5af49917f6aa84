"""Helpers for the reminder tests: moments in Asia/Shanghai, issues in a given state, and
what the reminder log and the mailbox hold."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from issues.models import Assignment
from roundtable.notifications import delivery, reminders
from roundtable.notifications.models import ReminderLog
from tests import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int = 9, minute: int = 0, second: int = 0) -> datetime:
    """``hour:minute:second`` on ``day`` in Shanghai (minutes past 59 run on)."""
    start = datetime.combine(day, time(hour), tzinfo=SHANGHAI)
    return start + timedelta(minutes=minute, seconds=second)


def run(day: date, hour: int = 9, minute: int = 0):
    """The scheduled daily run at ``hour`` on ``day`` (Shanghai time)."""
    with time_machine.travel(at(day, hour, minute), tick=False):
        return reminders.reminders_run()


def pending(day: date, hour: int = 9, minute: int = 5):
    """The every-minute job at that moment: catch-up run, notification e-mails, retries."""
    with time_machine.travel(at(day, hour, minute), tick=False):
        caught_up = reminders.reminders_catch_up()
        return caught_up, delivery.reminders_deliver_pending()


def sent_keys(*, kinds=None, exclude=("notification",)):
    """(kind, subject_key, username, due_on) of every reminder delivered."""
    qs = ReminderLog.objects.filter(
        status__in=[ReminderLog.Status.SENT, ReminderLog.Status.UNCERTAIN]
    )
    if kinds:
        qs = qs.filter(kind__in=kinds)
    if exclude:
        qs = qs.exclude(kind__in=exclude)
    return sorted(qs.values_list("kind", "subject_key", "recipient__username", "due_on"))


def mailed_to(messages=None) -> list[str]:
    return sorted(m.to[0] for m in (mail.outbox if messages is None else messages))


def make_issue(
    *,
    deadline: date | None,
    lead,
    status: str = "in_progress",
    lead_status: str = "accepted",
    responsible=None,
    monitor=None,
    assigned_at: datetime | None = None,
    co=None,
    co_status: str = "accepted",
    **fields,
):
    """An issue assigned to ``lead`` (and ``co``) in a given state, made directly."""
    issue = factories.IssueFactory(
        deadline=deadline,
        original_deadline=deadline,
        status=status,
        monitor=monitor,
        **fields,
    )
    assigned_at = assigned_at or at(date(2026, 9, 1), 10)
    factories.AssignmentFactory(
        issue=issue,
        department=lead,
        role=Assignment.Role.LEAD,
        status=lead_status,
        responsible_person=responsible,
        assigned_at=assigned_at,
    )
    if co is not None:
        factories.AssignmentFactory(
            issue=issue,
            department=co,
            role=Assignment.Role.CO_HANDLING,
            status=co_status,
            assigned_at=assigned_at,
        )
    return issue


@pytest.fixture
def people(dept_a, dept_b, liaison_a, liaison_b, head_a, monitor, staff, chair):
    """The personas, plus RA: the person responsible for issues in A. RA is A's second
    liaison: a reminder goes only to someone who may read its issue when it is sent, and
    the assignment form names responsible people among department members."""
    responsible = factories.UserFactory(username="resp_a", full_name="Responsible A")
    factories.MembershipFactory(user=responsible, department=dept_a, role="liaison")
    return {
        "dept_a": dept_a,
        "dept_b": dept_b,
        "LA": liaison_a,
        "LB": liaison_b,
        "HA": head_a,
        "Mo": monitor,
        "St": staff,
        "Ch": chair,
        "RA": responsible,
    }
