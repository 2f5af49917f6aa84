"""Fault scenarios of SECURITY.md §3: F1 (broker down while issues are saved), F4 (no ETA
misuse), F6 (beat down for 26 h, and through National Day), F9 (the mail server refuses,
answers 4xx/5xx or times out)."""

import re
import time
from collections import Counter
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from issues.models import Issue
from roundtable.notifications import delivery, tasks
from roundtable.notifications.models import Notification, ReminderLog
from roundtable.notifications.reminders import ReminderKind
from tests import factories
from tests.reminders.conftest import at, make_issue, pending, run, sent_keys
from tests.reminders.smtp_server import closed_port, smtp_server

ROOT = Path(__file__).resolve().parents[2]
K = ReminderKind


# --- F1 -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_with_the_broker_down_saving_issues_stays_fast_and_the_next_run_sends(
    settings, client, people, monkeypatch
):
    """REDIS_URL points at a closed port (broker and cache): logging, assigning, accepting
    and updating issues through the pages all succeed in well under 2 s; the in-app notices
    they write are e-mailed once by the next run, when the worker is back."""
    import kombu.exceptions

    from roundtable.celery import app

    dead = f"redis://127.0.0.1:{closed_port()}/0"
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": dead,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    enterprise = factories.EnterpriseFactory()
    category = factories.CategoryFactory()
    timings = {}

    def timed(name, user, url, data):
        client.force_login(user)
        started = time.monotonic()
        response = client.post(url, data)
        timings[name] = time.monotonic() - started
        assert response.status_code == 302, (name, response.status_code)
        return response

    with time_machine.travel(at(date(2026, 10, 12), 10), tick=False):
        timed(
            "log and assign",
            people["St"],
            reverse("issues:new"),
            {
                "title": "Customs clearance delay",
                "enterprise": enterprise.pk,
                "category": category.pk,
                "source": "hotline",
                "raised_on": "2026-10-12",
                "priority": "normal",
                "lead_department": people["dept_a"].pk,
                "deadline": "2026-10-30",
                "monitor": people["Mo"].pk,
            },
        )
        issue = Issue.objects.get()
        lead = issue.assignments.get(role="lead")
        timed(
            "accept",
            people["LA"],
            reverse("issues:accept", args=[issue.pk, lead.pk]),
            {},
        )
        timed(
            "progress",
            people["LA"],
            reverse("issues:progress", args=[issue.pk]),
            {"body": "Called customs."},
        )
        timed(
            "edit",
            people["St"],
            reverse("issues:edit", args=[issue.pk]),
            {
                "title": "Customs clearance delay (port)",
                "enterprise": enterprise.pk,
                "category": category.pk,
                "source": "hotline",
                "raised_on": "2026-10-12",
                "priority": "high",
                "monitor": people["Mo"].pk,
                "version": Issue.objects.get().version,
            },
        )
    assert all(seconds < 2 for seconds in timings.values()), timings
    issue.refresh_from_db()
    assert issue.status == "in_progress" and issue.title.endswith("(port)")
    notices = Notification.objects.filter(issue=issue)
    assert notices.exists()

    # Publishing a task with the broker down fails fast instead of hanging (the bounded
    # publish of settings.py): the reason nothing in a request publishes at all.
    started = time.monotonic()
    with (
        pytest.raises(kombu.exceptions.OperationalError),
        app.connection_for_write(dead) as connection,
    ):
        tasks.deliver_pending.apply_async(connection=connection)
    assert time.monotonic() - started < 5

    # The broker is back: the worker's next run e-mails each notice once.
    monkeypatch.undo()
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    _caught_up, report = pending(date(2026, 10, 12), 10, 30)
    assert report.sent == notices.count()
    outbox = len(mail.outbox)
    _caught_up, again = pending(date(2026, 10, 12), 10, 31)
    assert again.claimed == 0 and len(mail.outbox) == outbox
    assert set(notices.values_list("reminder__status", flat=True)) == {"sent"}
    mailed = ReminderLog.objects.filter(kind="notification")
    assert sorted(mailed.values_list("subject_key", flat=True)) == sorted(
        f"notification:{pk}" for pk in notices.values_list("pk", flat=True)
    )


# --- F4 -------------------------------------------------------------------------------------


def _python_files():
    skip = {".venv", "var", "node_modules", ".git"}
    for path in ROOT.rglob("*.py"):
        if not skip & set(path.relative_to(ROOT).parts):
            yield path


def test_no_task_is_scheduled_with_an_eta_or_a_long_countdown():
    """Deadlines live in the database; a task held by the broker until a future moment is
    lost with the broker, and Redis redelivers it after the visibility timeout anyway."""
    from django.conf import settings

    visibility = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}).get(
        "visibility_timeout", 3600
    )
    eta = re.compile(r"(?<![\w.])eta\s*=")
    countdown = re.compile(r"(?<![\w.])countdown\s*=\s*([^,)\s]+)")
    found = []
    for path in _python_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        if path == Path(__file__):
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if eta.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
            for value in countdown.findall(line):
                if not value.isdigit() or int(value) >= visibility:
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []


def test_nothing_outside_tests_publishes_a_task():
    """Web requests never talk to the broker: notifications are outbox rows, e-mailed by
    the beat-driven task."""
    publish = re.compile(r"\.(delay|apply_async|send_task)\(")
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in _python_files()
        if "tests" not in path.relative_to(ROOT).parts and "bench" not in path.parts
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if publish.search(line)
    ]
    assert found == []


# --- F6 -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_beat_down_for_26_hours_each_missed_reminder_goes_once_the_next_morning(people):
    # Deadline Fri 9 Oct: its "1 day before" reminder is due Thu 8 Oct 09:00. Beat stops on
    # Thu at 08:00 and is back on Fri at 10:00.
    make_issue(
        deadline=date(2026, 10, 9),
        lead=people["dept_a"],
        responsible=people["RA"],
        monitor=people["Mo"],
        assigned_at=at(date(2026, 9, 28), 10),
    )
    run(date(2026, 9, 30))
    before = set(sent_keys())
    # Fri 10:00: the first minute tick after beat is back runs the missed day's work.
    caught_up, _ = pending(date(2026, 10, 9), 10, 0)
    assert caught_up is not None
    new = set(sent_keys()) - before
    one_day_before = date(2026, 10, 8)
    assert {(k, u, d) for k, _s, u, d in new if k == K.DEADLINE} == {
        (K.DEADLINE, "resp_a", one_day_before),
        (K.DEADLINE, "liaison_a", one_day_before),
    }
    # The National Day week's digest (due Thu 8 Oct) too, once.
    assert {(u, d) for k, _s, u, d in new if k == K.DIGEST} == {
        ("monitor", one_day_before),
        ("head_a", one_day_before),
    }
    # Every later tick that day, and the 09:00 task arriving late, send nothing more.
    count = len(mail.outbox)
    for minute in range(1, 30):
        pending(date(2026, 10, 9), 10, minute)
    with time_machine.travel(at(date(2026, 10, 9), 11), tick=False):
        tasks.send_reminders.apply()
    assert len(mail.outbox) == count


@pytest.mark.django_db
def test_a_missed_overdue_day_is_not_made_up_but_today_goes_once(people):
    make_issue(deadline=date(2026, 10, 9), lead=people["dept_a"], responsible=people["RA"])
    run(date(2026, 10, 10))  # Sat, a make-up working day: first overdue reminder
    # Beat down Mon 12 Oct 08:00 to Tue 13 Oct 10:00.
    pending(date(2026, 10, 13), 10, 0)
    overdue = [(u, d) for k, _s, u, d in sent_keys(kinds=[K.OVERDUE]) if u == "resp_a"]
    assert overdue == [("resp_a", date(2026, 10, 10)), ("resp_a", date(2026, 10, 13))]


@pytest.mark.django_db
def test_beat_down_through_national_day_catches_up_on_the_first_working_day(people):
    # Assigned on Fri 25 Sep (Mid-autumn, a day off) and never accepted: not accepted
    # within 28 and 29 Sep, so due Wed 30 Sep. Beat is down from Mon 28 Sep.
    make_issue(
        deadline=date(2026, 10, 20),
        lead=people["dept_a"],
        status="assigned",
        lead_status="pending",
        assigned_at=at(date(2026, 9, 25), 15),
    )
    run(date(2026, 9, 25), 16)
    # Beat comes back on Sat 3 Oct (a day off) and ticks every day: nothing goes out.
    for day in range(3, 8):
        caught_up, report = pending(date(2026, 10, day), 9, 0)
        assert caught_up is None and report.sent == 0
    assert sent_keys(kinds=[K.ACCEPTANCE]) == []
    caught_up, _ = pending(date(2026, 10, 8), 9, 0)
    assert caught_up is not None
    due_on = {d for _k, _s, _u, d in sent_keys(kinds=[K.ACCEPTANCE])}
    assert due_on == {date(2026, 9, 30)}
    assert Counter(u for _k, _s, u, _d in sent_keys(kinds=[K.ACCEPTANCE])) == {
        "liaison_a": 1,
        "resp_a": 1,  # A's second liaison
        "head_a": 1,
    }
    assert not ReminderLog.objects.filter(
        claimed_at__date__gte=date(2026, 10, 1), claimed_at__date__lte=date(2026, 10, 7)
    ).exists()


# --- F9 -------------------------------------------------------------------------------------

DAY = date(2026, 10, 16)


@pytest.fixture
def smtp(settings):
    def configure(port):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = port
        settings.EMAIL_TIMEOUT = 1
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""

    return configure


@pytest.fixture
def three_recipients(people):
    """Overdue on Fri 16 Oct, to RA, HA and Mo: three messages."""
    return make_issue(
        deadline=date(2026, 10, 13),
        lead=people["dept_a"],
        responsible=people["RA"],
        monitor=people["Mo"],
    )


def _by_recipient():
    rows = ReminderLog.objects.exclude(kind="notification").select_related("recipient")
    return {r.recipient.username: r for r in rows.filter(kind=K.OVERDUE)}


@pytest.mark.django_db
def test_a_refused_connection_backs_off_and_ends_failed_with_the_reason(smtp, three_recipients):
    smtp(closed_port())
    run(DAY)
    rows = _by_recipient()
    first = min(rows.values(), key=lambda r: r.recipient_id)
    assert first.status == "retry" and first.attempts == 1
    assert "refused the connection" in first.error
    # The rest of the run was put back untried: the server is unreachable.
    others = [r for r in rows.values() if r.pk != first.pk]
    assert {(r.status, r.attempts, r.error) for r in others} == {("retry", 0, delivery.NOT_TRIED)}

    # The minute job, for five hours: each reminder is tried at growing intervals, then
    # fails for good; nothing is tried again after that.
    tried_at = {r.pk: [at(DAY, 9)] if r.pk == first.pk else [] for r in rows.values()}
    moment = at(DAY, 9)
    for _minute in range(5 * 60):
        moment += timedelta(minutes=1)
        with time_machine.travel(moment, tick=False):
            delivery.reminders_deliver_pending()
        for row in ReminderLog.objects.filter(pk__in=tried_at):
            if row.attempts > len(tried_at[row.pk]):
                tried_at[row.pk].append(moment)
    final = ReminderLog.objects.filter(pk__in=tried_at)
    assert {(r.status, r.attempts) for r in final} == {("failed", 5)}
    assert all("refused the connection" in r.error for r in final)
    gaps = [round((b - a).total_seconds() / 60) for a, b in pairwise(tried_at[first.pk])]
    assert gaps == [1, 4, 16, 64]
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_4xx_greeting_is_retried_and_sent_once_after_recovery(smtp, three_recipients):
    with smtp_server("greet421") as server:
        smtp(server.port)
        run(DAY)
        rows = _by_recipient()
        assert Counter(r.status for r in rows.values()) == {"retry": 3}
        first = min(rows.values(), key=lambda r: r.recipient_id)
        assert "SMTP 421" in ReminderLog.objects.get(pk=first.pk).error
        server.mode = "ok"
        for minute in range(1, 8):
            pending(DAY, 9, minute)
        assert len(server.messages) == 3
        assert set(
            ReminderLog.objects.exclude(kind="notification").values_list("status", flat=True)
        ) == {"sent"}
        for minute in range(8, 30):  # no duplicate after recovery
            pending(DAY, 9, minute)
        assert len(server.messages) == 3


@pytest.mark.django_db
def test_a_4xx_for_one_recipient_does_not_stop_the_others(smtp, three_recipients):
    with smtp_server("rcpt450") as server:
        smtp(server.port)
        run(DAY)
        rows = _by_recipient()
        # Every recipient was tried (the server is reachable), each is to be retried.
        assert {(r.status, r.attempts) for r in rows.values()} == {("retry", 1)}
        assert all("450" in r.error for r in rows.values())
        server.mode = "ok"
        pending(DAY, 9, 2)
        assert len(server.messages) == 3


@pytest.mark.django_db
def test_a_5xx_refusal_fails_at_once_with_the_reason(smtp, three_recipients):
    with smtp_server("rcpt550") as server:
        smtp(server.port)
        run(DAY)
        server.mode = "ok"
        for minute in range(1, 120, 7):
            pending(DAY, 9, minute)
        rows = _by_recipient()
        assert {(r.status, r.attempts) for r in rows.values()} == {("failed", 1)}
        assert all("SMTP recipient refused: 550" in r.error for r in rows.values())
        assert server.messages == []


@pytest.mark.django_db
def test_a_silent_mail_server_times_out_once_per_run(smtp, three_recipients):
    with smtp_server("silent") as server:
        smtp(server.port)
        started = time.monotonic()
        run(DAY)
        elapsed = time.monotonic() - started
        rows = _by_recipient()
        assert Counter(r.status for r in rows.values()) == {"retry": 3}
        assert sum("timed out" in r.error for r in rows.values()) == 1
        # One timeout, not one per message: the rest of the run was put back.
        assert elapsed < 2.5, elapsed
