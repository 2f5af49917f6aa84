"""The reminder rules, kind by kind: who is told what on which day (reminders_due)."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from issues.models import ActionUpdate
from roundtable.meetings.models import Meeting, MeetingParticipant, Roundtable
from roundtable.notifications.reminders import (
    ReminderKind,
    first_working_day_of_week,
    reminders_due,
)
from tests import factories
from tests.reminders.conftest import at, make_issue

pytestmark = pytest.mark.django_db

TODAY = date(2026, 10, 15)  # a Thursday, after National Day (1-7 Oct off, Sat 10 Oct worked)


def due(today=TODAY, kind=None):
    """{(kind, username, due_on)} of what is due on ``today``."""
    from roundtable.accounts.models import User

    names = dict(User.objects.values_list("pk", "username"))
    return {
        (s.kind, names[s.recipient_id], s.due_on)
        for s in reminders_due(today=today)
        if kind is None or s.kind == kind
    }


# --- Acceptance ---------------------------------------------------------------------------


def test_unaccepted_assignment_goes_to_the_departments_liaison_and_head_after_two_days(people):
    # Assigned Mon 12 Oct: two working days are Tue 13 and Wed 14; still pending on Thu 15.
    make_issue(
        deadline=date(2026, 11, 30),
        lead=people["dept_a"],
        status="assigned",
        lead_status="pending",
        assigned_at=at(date(2026, 10, 12), 16),
    )
    expected = {
        (ReminderKind.ACCEPTANCE, "liaison_a", TODAY),
        (ReminderKind.ACCEPTANCE, "resp_a", TODAY),  # A's second liaison
        (ReminderKind.ACCEPTANCE, "head_a", TODAY),
    }
    assert due(kind=ReminderKind.ACCEPTANCE) == expected
    assert due(date(2026, 10, 14), kind=ReminderKind.ACCEPTANCE) == set()
    # Not sent yet on the 15th: still due the next working day, keyed by the same day.
    assert due(date(2026, 10, 16), kind=ReminderKind.ACCEPTANCE) == expected


def test_acceptance_counts_working_days_across_the_holiday(people):
    # Assigned Tue 29 Sep: the two working days are Wed 30 Sep and Thu 8 Oct.
    make_issue(
        deadline=date(2026, 11, 30),
        lead=people["dept_a"],
        status="assigned",
        lead_status="pending",
        assigned_at=at(date(2026, 9, 29), 11),
    )
    assert due(date(2026, 10, 8), kind=ReminderKind.ACCEPTANCE) == set()
    assert {d for _k, _u, d in due(date(2026, 10, 9), kind=ReminderKind.ACCEPTANCE)} == {
        date(2026, 10, 9)
    }


def test_a_pending_co_handler_is_reminded_but_not_an_accepted_one(people):
    make_issue(
        deadline=date(2026, 11, 30),
        lead=people["dept_a"],
        co=people["dept_b"],
        co_status="pending",
        assigned_at=at(date(2026, 10, 9), 10),
    )
    # Assigned Fri 9 Oct: not accepted by Mon 12 (10 and 12 Oct), so due Tue 13 Oct.
    assert due(kind=ReminderKind.ACCEPTANCE) == {
        (ReminderKind.ACCEPTANCE, "liaison_b", date(2026, 10, 13))
    }


# --- Deadline ahead -----------------------------------------------------------------------


def test_deadline_reminders_three_and_one_working_days_before(people):
    # Deadline Mon 19 Oct: 3 working days before is Wed 14, 1 before is Fri 16.
    make_issue(
        deadline=date(2026, 10, 19),
        lead=people["dept_a"],
        responsible=people["RA"],
        monitor=people["Mo"],
    )
    three = date(2026, 10, 14)
    assert due(date(2026, 10, 14), kind=ReminderKind.DEADLINE) == {
        (ReminderKind.DEADLINE, "resp_a", three),
        (ReminderKind.DEADLINE, "liaison_a", three),
    }
    # Missed on the 14th: caught up on the 15th under the same key.
    assert due(TODAY, kind=ReminderKind.DEADLINE) == {
        (ReminderKind.DEADLINE, "resp_a", three),
        (ReminderKind.DEADLINE, "liaison_a", three),
    }
    one = date(2026, 10, 16)
    assert {(u, d) for _k, u, d in due(one, kind=ReminderKind.DEADLINE)} >= {
        ("resp_a", one),
        ("liaison_a", one),
    }
    assert due(date(2026, 10, 13), kind=ReminderKind.DEADLINE) == set()
    # The monitor and the head are not told ahead of the deadline.
    assert not {u for _k, u, _d in due(one, kind=ReminderKind.DEADLINE)} & {"monitor", "head_a"}


def test_no_deadline_reminder_from_before_the_assignment(people):
    # Assigned on Thu 15 with a deadline on Mon 19: the "3 days before" day (Wed 14) was
    # before the assignment, so only the "1 day before" reminder (Fri 16) goes.
    make_issue(
        deadline=date(2026, 10, 19),
        lead=people["dept_a"],
        responsible=people["RA"],
        assigned_at=at(TODAY, 8),
    )
    assert due(TODAY, kind=ReminderKind.DEADLINE) == set()
    assert {d for _k, _u, d in due(date(2026, 10, 16), kind=ReminderKind.DEADLINE)} == {
        date(2026, 10, 16)
    }


def test_the_deadline_reminder_configuration_is_read(people, settings):
    settings.ROUNDTABLE = {**settings.ROUNDTABLE, "DEADLINE_REMINDER_DAYS": (5,)}
    make_issue(deadline=date(2026, 10, 19), lead=people["dept_a"], responsible=people["RA"])
    # 5 working days before Mon 19 Oct is Mon 12 Oct.
    assert {d for _k, _u, d in due(kind=ReminderKind.DEADLINE)} == {date(2026, 10, 12)}


# --- Overdue and escalation ---------------------------------------------------------------


def test_overdue_goes_daily_to_the_responsible_person_the_head_and_the_monitor(people):
    make_issue(
        deadline=date(2026, 10, 14),
        lead=people["dept_a"],
        responsible=people["RA"],
        monitor=people["Mo"],
    )
    for day in (TODAY, date(2026, 10, 16), date(2026, 10, 19)):
        assert due(day, kind=ReminderKind.OVERDUE) == {
            (ReminderKind.OVERDUE, "resp_a", day),
            (ReminderKind.OVERDUE, "head_a", day),
            (ReminderKind.OVERDUE, "monitor", day),
        }
    assert due(date(2026, 10, 14), kind=ReminderKind.OVERDUE) == set()  # due that day


@pytest.mark.parametrize("status", ["concluded", "closed", "returned", "logged"])
def test_no_deadline_or_overdue_reminders_unless_a_department_is_handling_it(people, status):
    make_issue(
        deadline=date(2026, 10, 14),
        lead=people["dept_a"],
        status=status,
        responsible=people["RA"],
        monitor=people["Mo"],
        closed_at=at(TODAY) if status == "closed" else None,
    )
    assert due(kind=ReminderKind.OVERDUE) == set()
    assert due(kind=ReminderKind.ESCALATED) == set()


def test_escalation_after_more_than_five_working_days_overdue(people):
    # Deadline Fri 9 Oct: 5 working days late on Thu 15 (10, 12, 13, 14, 15), 6 on Fri 16.
    make_issue(deadline=date(2026, 10, 9), lead=people["dept_a"], monitor=people["Mo"])
    assert due(TODAY, kind=ReminderKind.ESCALATED) == set()
    assert due(date(2026, 10, 16), kind=ReminderKind.ESCALATED) == {
        (ReminderKind.ESCALATED, "head_a", date(2026, 10, 16))
    }


def test_escalation_writes_the_date_a_timeline_entry_and_history_once(people):
    from roundtable.notifications.reminders import issues_escalate

    issue = make_issue(deadline=date(2026, 10, 9), lead=people["dept_a"])
    version = issue.version
    friday = date(2026, 10, 16)

    assert issues_escalate(today=TODAY) == []
    assert issues_escalate(today=friday) == [issue.pk]
    assert issues_escalate(today=friday) == []  # idempotent

    issue.refresh_from_db()
    assert issue.escalated_on == friday
    assert issue.version == version  # an open edit form stays valid
    entries = issue.updates.filter(kind=ActionUpdate.Kind.ESCALATED)
    assert entries.count() == 1
    assert "2026-10-09" in entries.get().body and entries.get().author is None
    record = issue.history.first()
    assert record.escalated_on == friday and record.history_change_reason == "escalated"
    assert record.history_user is None
    # The notice to the head is keyed by the escalation day and goes once.
    assert due(date(2026, 10, 19), kind=ReminderKind.ESCALATED) == {
        (ReminderKind.ESCALATED, "head_a", friday)
    }


def test_an_extension_after_escalation_allows_a_new_escalation(people):
    from issues.models import Issue
    from roundtable.notifications.reminders import issues_escalate

    issue = make_issue(deadline=date(2026, 10, 9), lead=people["dept_a"])
    issues_escalate(today=date(2026, 10, 16))
    Issue.objects.filter(pk=issue.pk).update(deadline=date(2026, 10, 20))
    assert due(date(2026, 10, 19), kind=ReminderKind.ESCALATED) == set()  # not late any more
    # 20 Oct + more than 5 working days: 21, 22, 23, 26, 27, 28 → Wed 28 Oct.
    assert issues_escalate(today=date(2026, 10, 27)) == []
    assert issues_escalate(today=date(2026, 10, 28)) == [issue.pk]
    assert issue.updates.filter(kind=ActionUpdate.Kind.ESCALATED).count() == 2


# --- No update ----------------------------------------------------------------------------


def test_no_update_for_ten_working_days_goes_to_the_monitor_every_ten_days(people):
    issue = make_issue(deadline=date(2026, 12, 31), lead=people["dept_a"], monitor=people["Mo"])
    ActionUpdate.objects.create(
        issue=issue, kind=ActionUpdate.Kind.PROGRESS, created_at=at(date(2026, 9, 29), 15)
    )
    # Working days after Tue 29 Sep: 30 Sep, 8, 9, 10, 12, 13, 14, 15, 16, 19 Oct (the 10th).
    assert due(date(2026, 10, 16), kind=ReminderKind.NO_UPDATE) == set()
    first = date(2026, 10, 19)
    assert due(first, kind=ReminderKind.NO_UPDATE) == {(ReminderKind.NO_UPDATE, "monitor", first)}
    assert due(date(2026, 10, 30), kind=ReminderKind.NO_UPDATE) == {
        (ReminderKind.NO_UPDATE, "monitor", first)
    }
    # Ten more quiet working days: 20-23, 26-30 Oct, 2 Nov.
    assert due(date(2026, 11, 2), kind=ReminderKind.NO_UPDATE) == {
        (ReminderKind.NO_UPDATE, "monitor", date(2026, 11, 2))
    }
    # The system's own escalation entry is not an update.
    ActionUpdate.objects.create(
        issue=issue, kind=ActionUpdate.Kind.ESCALATED, created_at=at(date(2026, 10, 30), 8)
    )
    assert due(date(2026, 11, 2), kind=ReminderKind.NO_UPDATE)
    ActionUpdate.objects.create(
        issue=issue, kind=ActionUpdate.Kind.PROGRESS, created_at=at(date(2026, 10, 30), 8)
    )
    assert due(date(2026, 11, 2), kind=ReminderKind.NO_UPDATE) == set()


# --- Weekly digest ------------------------------------------------------------------------


def test_weekly_digest_to_monitors_and_heads_on_the_first_working_day_of_the_week(people):
    make_issue(deadline=date(2026, 12, 31), lead=people["dept_a"], monitor=people["Mo"])
    monday = date(2026, 10, 12)
    expected = {
        (ReminderKind.DIGEST, "monitor", monday),
        (ReminderKind.DIGEST, "head_a", monday),
    }
    assert due(monday, kind=ReminderKind.DIGEST) == expected
    assert due(TODAY, kind=ReminderKind.DIGEST) == expected  # same key all week
    # National Day week: Mon 5 to Wed 7 are off, so its first working day is Thu 8 Oct.
    assert first_working_day_of_week(date(2026, 10, 9)) == date(2026, 10, 8)
    assert {d for _k, _u, d in due(date(2026, 10, 8), kind=ReminderKind.DIGEST)} == {
        date(2026, 10, 8)
    }


# --- Enterprises and meetings -------------------------------------------------------------


def _roundtable(dept):
    return Roundtable.objects.create(
        name_zh="测试圆桌会议", jurisdiction="Test", leading_department=dept
    )


def test_enterprise_without_a_service_visit_within_its_interval(people):
    official = factories.UserFactory(username="official")
    enterprise = factories.EnterpriseFactory(designated_official=official, visit_interval_days=30)
    roundtable = _roundtable(people["dept_a"])
    visit = Meeting.objects.create(
        roundtable=roundtable,
        kind=Meeting.Kind.ONE_ON_ONE,
        topic="Visit",
        starts_at=at(date(2026, 9, 10), 10),
        status=Meeting.Status.HELD,
    )
    MeetingParticipant.objects.create(meeting=visit, enterprise=enterprise)
    # 30 days after 10 Sep is Sat 10 Oct (a working day this year).
    assert due(date(2026, 10, 9), kind=ReminderKind.VISIT) == set()
    assert due(TODAY, kind=ReminderKind.VISIT) == {
        (ReminderKind.VISIT, "official", date(2026, 10, 10))
    }
    # A cancelled visit does not count; a held one restarts the interval.
    later = Meeting.objects.create(
        roundtable=roundtable,
        kind=Meeting.Kind.ONE_ON_SEVERAL,
        topic="Visit 2",
        starts_at=at(date(2026, 10, 12), 10),
        status=Meeting.Status.CANCELLED,
    )
    MeetingParticipant.objects.create(meeting=later, enterprise=enterprise)
    assert due(TODAY, kind=ReminderKind.VISIT)
    Meeting.objects.filter(pk=later.pk).update(status=Meeting.Status.HELD)
    assert due(TODAY, kind=ReminderKind.VISIT) == set()


def test_meeting_reminders_go_to_commerce_staff(people):
    roundtable = _roundtable(people["dept_a"])
    soon = Meeting.objects.create(
        roundtable=roundtable,
        kind=Meeting.Kind.QUARTERLY_ROUNDTABLE,
        topic="Q4 roundtable",
        starts_at=at(date(2026, 10, 16), 14),  # Friday: "tomorrow" on Thursday
        status=Meeting.Status.INTAKE_OPEN,
        intake_closes_on=date(2026, 10, 19),  # 2 working days before: Thu 15
    )
    held = Meeting.objects.create(
        roundtable=roundtable,
        kind=Meeting.Kind.ON_SPOT,
        topic="On-spot meeting",
        starts_at=at(date(2026, 9, 30), 14),  # +5 working days: 8, 9, 10, 12, 13 Oct
        status=Meeting.Status.HELD,
    )
    assert due(kind=ReminderKind.INTAKE) == {(ReminderKind.INTAKE, "staff", TODAY)}
    assert due(kind=ReminderKind.MEETING) == {(ReminderKind.MEETING, "staff", TODAY)}
    assert due(kind=ReminderKind.MINUTES) == {(ReminderKind.MINUTES, "staff", date(2026, 10, 13))}
    Meeting.objects.filter(pk=held.pk).update(
        status=Meeting.Status.MINUTES_PUBLISHED, minutes_published_at=at(TODAY, 8)
    )
    Meeting.objects.filter(pk=soon.pk).update(status=Meeting.Status.CANCELLED)
    assert due(kind=ReminderKind.MINUTES) == set()
    assert due(kind=ReminderKind.MEETING) == set()
    assert due(kind=ReminderKind.INTAKE) == set()


def test_quarter_about_to_end_without_a_roundtable(people):
    roundtable = _roundtable(people["dept_a"])
    # Q4 2026 ends Thu 31 Dec; 10 working days before it is Thu 17 Dec.
    assert due(date(2026, 12, 16), kind=ReminderKind.QUARTER) == set()
    assert due(date(2026, 12, 17), kind=ReminderKind.QUARTER) == {
        (ReminderKind.QUARTER, "staff", date(2026, 12, 17))
    }
    Meeting.objects.create(
        roundtable=roundtable,
        kind=Meeting.Kind.QUARTERLY_ROUNDTABLE,
        topic="Year-end roundtable",
        starts_at=at(date(2026, 12, 28), 14),
    )
    assert due(date(2026, 12, 17), kind=ReminderKind.QUARTER) == set()


# --- Common rules -------------------------------------------------------------------------


def test_nothing_is_due_on_a_day_off(people):
    make_issue(deadline=date(2026, 9, 20), lead=people["dept_a"], monitor=people["Mo"])
    assert due(date(2026, 9, 30))  # a working day: overdue
    for day in [date(2026, 10, d) for d in range(1, 8)] + [date(2026, 10, 11)]:
        assert reminders_due(today=day) == [], day


def test_inactive_users_are_not_reminded(people):
    make_issue(deadline=date(2026, 10, 14), lead=people["dept_a"], monitor=people["Mo"])
    people["Mo"].is_active = False
    people["Mo"].save()
    assert "monitor" not in {u for _k, u, _d in due()}


def test_query_count_does_not_grow_with_the_number_of_issues(people):
    def count():
        with CaptureQueriesContext(connection) as queries:
            reminders_due(today=TODAY)
        return len(queries)

    def add(n):
        for i in range(n):
            make_issue(
                deadline=TODAY + timedelta(days=(i % 20) - 10),
                lead=people["dept_a"] if i % 2 else people["dept_b"],
                responsible=people["RA"],
                monitor=people["Mo"],
                status="in_progress" if i % 3 else "assigned",
                lead_status="accepted" if i % 3 else "pending",
            )

    add(5)
    reminders_due(today=TODAY)  # warm the calendar cache
    few = count()
    add(60)
    many_specs = len(reminders_due(today=TODAY))
    assert count() == few
    assert many_specs > 60
