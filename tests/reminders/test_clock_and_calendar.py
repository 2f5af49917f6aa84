"""SECURITY.md §3 F10: clock and calendar. The server runs in UTC, TIME_ZONE is
Asia/Shanghai, and the clock is frozen with time-machine."""

import time
from datetime import UTC, date, datetime, timedelta
from importlib.metadata import version

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.utils import timezone

from roundtable.notifications import reminders
from roundtable.notifications.reminders import ReminderKind, reminders_due
from roundtable.workdays import services as workdays
from tests import factories
from tests.reminders.conftest import SHANGHAI, at, make_issue, run

pytestmark = pytest.mark.django_db

K = ReminderKind


@pytest.fixture
def server_in_utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_the_local_day_is_shanghais_at_midnight(server_in_utc, people):
    make_issue(deadline=date(2026, 9, 29), lead=people["dept_a"], responsible=people["RA"])
    last_second = datetime(2026, 9, 30, 23, 59, 59, tzinfo=SHANGHAI)
    midnight = datetime(2026, 10, 1, 0, 0, tzinfo=SHANGHAI)
    assert midnight.astimezone(UTC) == datetime(2026, 9, 30, 16, 0, tzinfo=UTC)

    with time_machine.travel(last_second, tick=False):
        assert timezone.localdate() == date(2026, 9, 30)
        report = reminders.reminders_run()
    assert report.delivery.sent  # Wed 30 Sep is a working day: the overdue reminder goes
    with time_machine.travel(midnight, tick=False):
        assert timezone.localdate() == date(2026, 10, 1)
        report = reminders.reminders_run()
    assert report.skipped == "not a working day"


def test_national_day_comes_from_the_package_not_from_this_test(people):
    import chinese_calendar

    assert version("chinese-calendar") == "1.11.0"
    day = date(2026, 1, 1)
    while day.year == 2026:
        assert workdays.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)
    assert workdays.add_working_days(date(2026, 9, 29), 3) == date(2026, 10, 9)

    make_issue(
        deadline=date(2026, 10, 9),
        lead=people["dept_a"],
        responsible=people["RA"],
        monitor=people["Mo"],
        assigned_at=at(date(2026, 9, 29), 8),
    )
    kinds = {}
    for offset in range(14):
        day = date(2026, 9, 29) + timedelta(days=offset)
        kinds[day] = {(s.kind, s.due_on) for s in reminders_due(today=day)}
    assert (K.DEADLINE, date(2026, 10, 8)) in kinds[date(2026, 10, 8)]  # "1 day before"
    assert (K.OVERDUE, date(2026, 10, 10)) in kinds[date(2026, 10, 10)]  # a Saturday
    assert all(kinds[date(2026, 10, d)] == set() for d in range(1, 8))


def test_an_unpublished_year_falls_back_to_weekdays_and_says_so(people):
    import chinese_calendar

    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 3, 3))
    assert workdays.is_provisional(date(2027, 3, 3))
    make_issue(
        deadline=date(2027, 3, 4),
        lead=people["dept_a"],
        responsible=people["RA"],
        assigned_at=at(date(2027, 2, 1), 10),
    )
    report = run(date(2027, 3, 3))  # a Wednesday, counted as a working day, provisionally
    assert report.delivery.sent >= 1
    [message] = [m for m in mail.outbox if m.to == [people["RA"].email]]
    assert "provisional" in message.body
    assert reminders_due(today=date(2027, 3, 6)) == []  # Saturday


def test_the_0900_run_is_at_nine_in_shanghai_not_in_utc(server_in_utc, people):
    from celery.schedules import crontab
    from django_celery_beat.models import CrontabSchedule

    from roundtable.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["send-reminders"]
    schedule = entry["schedule"]
    assert isinstance(schedule, crontab)
    assert schedule.hour == {settings.ROUNDTABLE["REMINDER_HOUR"]} == {9}
    assert schedule.minute == {0}
    assert str(app.timezone) == "Asia/Shanghai"
    # django-celery-beat stores the schedule with the app's time zone.
    stored = CrontabSchedule.from_schedule(schedule)
    assert str(stored.timezone) == "Asia/Shanghai" and str(stored.hour) == "9"
    tz_aware = stored.schedule
    last_run = datetime(2026, 10, 8, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai on the 8th
    with time_machine.travel(datetime(2026, 10, 9, 0, 59, tzinfo=UTC), tick=False):
        assert not tz_aware.is_due(last_run).is_due
    with time_machine.travel(datetime(2026, 10, 9, 1, 0, 5, tzinfo=UTC), tick=False):
        assert tz_aware.is_due(last_run).is_due
    with time_machine.travel(datetime(2026, 10, 9, 9, 0, 5, tzinfo=UTC), tick=False):
        # 09:00 UTC is 17:00 in Shanghai: the run already happened at 01:00 UTC.
        assert not tz_aware.is_due(datetime(2026, 10, 9, 1, 0, 5, tzinfo=UTC)).is_due

    # The service agrees, whatever the server's zone: nothing before 09:00 Shanghai.
    make_issue(deadline=date(2026, 10, 8), lead=people["dept_a"], responsible=people["RA"])
    with time_machine.travel(datetime(2026, 10, 9, 0, 59, 59, tzinfo=UTC), tick=False):
        assert reminders.reminders_run().skipped == "before 09:00"
    with time_machine.travel(datetime(2026, 10, 9, 1, 0, tzinfo=UTC), tick=False):
        assert reminders.reminders_run().delivery.sent >= 1


def test_setting_the_clock_back_sends_nothing_again(people):
    make_issue(
        deadline=date(2026, 10, 8),
        lead=people["dept_a"],
        responsible=people["RA"],
        monitor=people["Mo"],
    )
    run(date(2026, 10, 9), 10)
    sent = len(mail.outbox)
    assert sent
    run(date(2026, 10, 9), 9)  # the clock set back an hour
    with time_machine.travel(at(date(2026, 10, 9), 9, 30), tick=False):
        reminders.reminders_catch_up()
    assert len(mail.outbox) == sent
    # Back across midnight into yesterday, whose run happened too.
    run(date(2026, 10, 8), 10)
    run(date(2026, 10, 8), 23)
    before = len(mail.outbox)
    run(date(2026, 10, 8), 23, 30)
    assert len(mail.outbox) == before


def test_29_february_2028(people):
    official = factories.UserFactory(username="official")
    enterprise = factories.EnterpriseFactory(designated_official=official, visit_interval_days=29)
    type(enterprise).objects.filter(pk=enterprise.pk).update(created_at=at(date(2028, 1, 31), 10))
    make_issue(
        deadline=date(2028, 2, 28),
        lead=people["dept_a"],
        responsible=people["RA"],
        monitor=people["Mo"],
        assigned_at=at(date(2028, 2, 1), 10),
    )
    leap = date(2028, 2, 29)
    assert workdays.is_working_day(leap) and workdays.is_provisional(leap)
    due = {(s.kind, s.due_on) for s in reminders_due(today=leap)}
    assert (K.OVERDUE, leap) in due
    assert (K.VISIT, leap) in due  # 31 Jan + 29 days
    assert (K.DIGEST, date(2028, 2, 28)) in due
    assert run(leap).delivery.sent == len(reminders_due(today=leap))
    assert reminders.quarter_bounds(leap)[1] == date(2028, 3, 31)


def test_a_simulated_year_sends_nothing_on_a_day_off(server_in_utc, people):
    """Every day of 2026, with work of every kind due through the year: the due computation
    (what a run would send) is empty on every day that is not a working day."""
    from roundtable.meetings.models import Meeting, Roundtable

    for month in range(1, 13):
        make_issue(
            deadline=date(2026, month, 10),
            lead=people["dept_a"],
            responsible=people["RA"],
            monitor=people["Mo"],
            assigned_at=at(date(2026, month, 1), 10),
        )
    make_issue(
        deadline=date(2026, 12, 31),
        lead=people["dept_b"],
        status="assigned",
        lead_status="pending",
        assigned_at=at(date(2026, 1, 5), 10),
    )
    factories.EnterpriseFactory(designated_official=people["Mo"], visit_interval_days=7)
    roundtable = Roundtable.objects.create(
        name_zh="圆桌", jurisdiction="Test", leading_department=people["dept_a"]
    )
    for month in (2, 5, 8, 11):
        Meeting.objects.create(
            roundtable=roundtable,
            kind=Meeting.Kind.ON_SPOT,
            topic="On-spot",
            starts_at=at(date(2026, month, 12), 14),
            intake_closes_on=date(2026, month, 9),
        )
    working_with_work = 0
    day = date(2026, 1, 1)
    while day.year == 2026:
        with time_machine.travel(at(day, 9), tick=False):
            specs = reminders_due(today=day)
        if workdays.is_working_day(day):
            working_with_work += bool(specs)
        else:
            assert specs == [], day
        day += timedelta(days=1)
    assert working_with_work > 200
