"""An issue's whole life across the 2026 National Day holiday (1-7 Oct off; Sun 20 Sep and
Sat 10 Oct are make-up working days), with the clock moved day by day: which reminders go to
whom on which day, and that none goes on a day off.

Tue 29 Sep: assigned to A (co-handler B) with the deadline 3 working days later, Fri 9 Oct.
The "3 days before" reminder goes that morning, the "1 day before" on Thu 8 Oct, the first
overdue one on Sat 10 Oct; it is escalated on Fri 16 Oct (more than 5 working days late),
the monitor hears on Mon 19 Oct that nothing happened for 10 working days, and the conclusion
that day stops everything.
"""

from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from issues import services
from issues.models import Issue
from roundtable.notifications.models import ReminderLog
from roundtable.notifications.reminders import ReminderKind
from roundtable.workdays import services as workdays
from tests import factories
from tests.reminders.conftest import at, pending, run

pytestmark = pytest.mark.django_db

K = ReminderKind
EXPECTED = {
    date(2026, 9, 29): {
        (K.DEADLINE, "liaison_a"),
        (K.DEADLINE, "resp_a"),  # A's second liaison
        (K.DIGEST, "monitor"),  # the week of 28 Sep, caught up on Tuesday
        (K.DIGEST, "head_a"),
    },
    date(2026, 10, 8): {
        (K.DEADLINE, "liaison_a"),  # responsible person and lead liaison: one person
        (K.DEADLINE, "resp_a"),
        (K.DIGEST, "monitor"),  # the National Day week's first working day
        (K.DIGEST, "head_a"),
    },
    date(2026, 10, 10): {(K.OVERDUE, "liaison_a"), (K.OVERDUE, "head_a"), (K.OVERDUE, "monitor")},
    date(2026, 10, 12): {
        (K.OVERDUE, "liaison_a"),
        (K.OVERDUE, "head_a"),
        (K.OVERDUE, "monitor"),
        (K.DIGEST, "monitor"),
        (K.DIGEST, "head_a"),
    },
    date(2026, 10, 13): {(K.OVERDUE, "liaison_a"), (K.OVERDUE, "head_a"), (K.OVERDUE, "monitor")},
    date(2026, 10, 14): {(K.OVERDUE, "liaison_a"), (K.OVERDUE, "head_a"), (K.OVERDUE, "monitor")},
    date(2026, 10, 15): {(K.OVERDUE, "liaison_a"), (K.OVERDUE, "head_a"), (K.OVERDUE, "monitor")},
    date(2026, 10, 16): {
        (K.OVERDUE, "liaison_a"),
        (K.OVERDUE, "head_a"),
        (K.OVERDUE, "monitor"),
        (K.ESCALATED, "head_a"),
    },
    date(2026, 10, 19): {
        (K.OVERDUE, "liaison_a"),
        (K.OVERDUE, "head_a"),
        (K.OVERDUE, "monitor"),
        (K.DIGEST, "monitor"),
        (K.DIGEST, "head_a"),
        (K.NO_UPDATE, "monitor"),
    },
}


def _sent_today(before: set[int]) -> set[tuple[str, str]]:
    rows = ReminderLog.objects.exclude(pk__in=before).exclude(kind=K.NOTIFICATION)
    assert not rows.exclude(status=ReminderLog.Status.SENT).exists()
    return set(rows.values_list("kind", "recipient__username"))


def test_an_issue_across_national_day(people, client):
    import chinese_calendar

    # The calendar comes from chinese-calendar 1.11.0 (seeded into the tables), not from here.
    assert not chinese_calendar.is_workday(date(2026, 10, 1))
    assert chinese_calendar.is_workday(date(2026, 10, 10))
    assert chinese_calendar.is_workday(date(2026, 9, 20))
    assert workdays.add_working_days(date(2026, 9, 29), 3) == date(2026, 10, 9)

    staff, la, lb = people["St"], people["LA"], people["LB"]
    issue = None

    def assign():
        nonlocal issue
        issue = services.issue_create(
            actor=staff,
            title="Warehouse land-use permit",
            enterprise=factories.EnterpriseFactory(),
            category=factories.CategoryFactory(),
            source=Issue.Source.MEETING,
            monitor=people["Mo"],
            lead_department=people["dept_a"],
            co_departments=[people["dept_b"]],
            deadline=workdays.add_working_days(date(2026, 9, 29), 3),
        )

    def accept():
        # Both departments accept on the day of the assignment, after the morning run.
        services.assignment_accept(actor=la, assignment=issue.assignments.get(role="lead"))
        services.assignment_accept(actor=lb, assignment=issue.assignments.get(role="co"))

    def conclude():
        services.issue_report_conclusion(actor=la, issue=issue, resolution="Permit issued.")

    before_run = {date(2026, 9, 29): assign}  # at 08:00
    after_run = {date(2026, 9, 29): accept, date(2026, 10, 19): conclude}  # at 11:00

    seen: dict[date, set] = {}
    day = date(2026, 9, 28)
    while day <= date(2026, 10, 23):
        if day in before_run:
            with time_machine.travel(at(day, 8), tick=False):
                before_run[day]()
        before = set(ReminderLog.objects.values_list("pk", flat=True))
        outbox_before = len(mail.outbox)
        report = run(day)
        pending(day, 9, 30)  # the minute job later that morning: nothing more
        got = _sent_today(before)
        if got:
            seen[day] = got
        if not workdays.is_working_day(day):
            assert report.skipped == "not a working day"
            assert len(mail.outbox) == outbox_before, f"mail on a day off: {day}"
        if day in after_run:
            with time_machine.travel(at(day, 11), tick=False):
                after_run[day]()
        if day == date(2026, 10, 16):
            # The chairperson's attention list shows it once escalated.
            with time_machine.travel(at(day, 12), tick=False):
                client.force_login(people["Ch"])
                page = client.get(reverse("dashboard:home")).content.decode()
                assert "Escalated to your attention" in page and issue.reference in page
        day += timedelta(days=1)

    assert seen == EXPECTED

    # Nothing was sent or even claimed on a day that is not a working day.
    claimed_days = {
        timezone_localdate(c) for c in ReminderLog.objects.values_list("claimed_at", flat=True)
    }
    assert all(workdays.is_working_day(d) for d in claimed_days), claimed_days
    assert not claimed_days & {date(2026, 10, d) for d in range(1, 8)}

    issue.refresh_from_db()
    assert issue.escalated_on == date(2026, 10, 16)
    with time_machine.travel(at(date(2026, 10, 20), 12), tick=False):
        client.force_login(people["Ch"])
        page = client.get(reverse("dashboard:home")).content.decode()
        assert issue.reference not in page  # concluded: off the attention list

    # Each reminder went once: no key twice, and as many e-mails as (recipient, day) pairs.
    keys = list(ReminderLog.objects.values_list("subject_key", "kind", "recipient_id", "due_on"))
    assert len(keys) == len(set(keys))


def timezone_localdate(moment):
    from django.utils import timezone

    return timezone.localdate(moment)
