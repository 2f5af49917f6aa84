"""A real Celery beat and worker send a due reminder end to end, the e-mail captured by the
file backend in a folder the test reads.

Beat picks up a one-off periodic task from the database (django-celery-beat, as an
administrator would add one) that runs the reminders for Fri 16 Oct 2026; the worker escalates
the overdue issue, claims and sends. Then the same task is delivered twice more: nothing more is
sent. On Redis, the queue is first filled with a hundred runs and flushed, as a broker restart
without AOF would: nothing is lost, since each run derives its work from the database.

Both run in subprocesses against a database of their own (see tests/test_celery_worker.py,
whose helpers are reused): the embedded default (SQLite, filesystem transport, ``worker -B``)
always, and Redis with a separate ``celery beat`` process when REDIS_URL is set (CI sets it in
its second phase). Each Redis run uses a queue of its own, removed afterwards.
"""

import os
import subprocess
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from tests.test_celery_worker import (
    CELERY,
    ROOT,
    _env,
    _manage,
    _poll,
    _redis_keys_removed,
    _sqlite_query,
    _stop_group,
    _worker,
    _worker_database,
)

pytestmark = pytest.mark.worker

DAY = "2026-10-16"
SEED = """
import json
from datetime import date, datetime
from zoneinfo import ZoneInfo
from django.contrib.auth.models import Group
from departments.models import Department, DepartmentMembership
from issues.models import Assignment, Category, Issue
from roundtable.accounts.models import User
from roundtable.enterprises.models import Enterprise
from django_celery_beat.models import IntervalSchedule, PeriodicTask

def user(name, lang="en"):
    return User.objects.create(username=name, email=f"{name}@example.test", full_name=name.title(),
                               preferred_language=lang)

head, responsible, monitor = user("head"), user("responsible"), user("monitor", "zh-hans")
dept = Department.objects.create(code="pnr", name_zh="规划局", name_en="Planning Bureau")
DepartmentMembership.objects.create(department=dept, user=head, role="head",
                                    started_on=date(2020, 1, 1))
# The responsible person is one of the department's people: reminders go only to someone who
# may read the issue when they are sent.
DepartmentMembership.objects.create(department=dept, user=responsible, role="liaison",
                                    started_on=date(2020, 1, 1))
from roundtable.lib.uscc import check_character
code = "91500103000000001"
enterprise = Enterprise.objects.create(name_zh="测试企业", credit_code=code + check_character(code),
                                       country="DE")
category = Category.objects.create(name_zh="用地", name_en="Land use", code="land")
issue = Issue.objects.create(reference="RT-2026-00001", year=2026, sequence=1,
    title="Warehouse land-use permit", enterprise=enterprise, category=category,
    source="meeting", status="in_progress", deadline=date(2026, 10, 9), monitor=monitor)
Assignment.objects.create(issue=issue, department=dept, role="lead", status="accepted",
    responsible_person=responsible,
    assigned_at=datetime(2026, 9, 28, 10, tzinfo=ZoneInfo("Asia/Shanghai")))
every, _ = IntervalSchedule.objects.get_or_create(every=1, period="seconds")
PeriodicTask.objects.create(name="reminders for DAY", task="issues.tasks.send_reminders",
    interval=every, kwargs=json.dumps({"day": "DAY"}), one_off=True)
""".replace("DAY", DAY)


def _messages(folder: Path) -> list:
    """Every message the embedded default's backend wrote: one .eml file each."""
    paths = sorted(folder.glob("*.eml")) if folder.exists() else []
    return [message_from_bytes(path.read_bytes(), policy=policy.default) for path in paths]


def _overdue_messages(folder: Path) -> list:
    return [m for m in _messages(folder) if "RT-2026-00001" in m.get_body(("plain",)).get_content()]


@contextmanager
def _beat(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    with log.open("w") as out:
        proc = subprocess.Popen(
            [CELERY, "-A", "roundtable", "beat", "--loglevel=info"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield proc
        finally:
            _stop_group(proc)


def _check(env, query, mail_dir, proc, log, resend):
    messages = _poll(
        "the reminder e-mails",
        lambda: (found := _overdue_messages(mail_dir)) and len(found) >= 3 and found,
        proc,
        log,
    )
    to = Counter(m["To"] for m in messages)
    assert to == {
        "head@example.test": 1,
        "responsible@example.test": 1,
        "monitor@example.test": 1,
    }, to
    head = next(m for m in messages if m["To"] == "head@example.test")
    assert "chairperson's attention list" in head.get_body(("plain",)).get_content()
    rows = _poll(
        "the log rows marked sent",
        lambda: (
            (
                found := query(
                    "SELECT kind, status FROM issues_reminderlog WHERE due_on <= %s", (DAY,)
                )
            )
            and all(status == "sent" for _kind, status in found)
            and found
        ),
        proc,
        log,
    )
    assert Counter(kind for kind, _status in rows) == {
        "overdue": 3,
        "escalated": 1,
        "weekly_digest": 2,
    }
    # The same task delivered twice more: both run, neither sends anything.
    resend()
    _poll(
        "the two redelivered runs",
        lambda: (
            log.read_text().count("issues.tasks.send_reminders") >= 3
            and log.read_text().count("succeeded") >= 3
        ),
        proc,
        log,
    )
    assert len(_overdue_messages(mail_dir)) == 3
    assert query("SELECT COUNT(*) FROM issues_actionupdate WHERE kind = 'escalated'") == [(1,)]


def _send_twice(env):
    code = (
        "from roundtable.notifications.tasks import send_reminders\n"
        f"for _ in range(2): send_reminders.apply_async(kwargs={{'day': '{DAY}'}})"
    )
    _manage(env, "shell", "-c", code, timeout=30)


def test_embedded_worker_and_beat_send_a_due_reminder(tmp_path):
    """`make run`'s set-up: SQLite, the filesystem transport, beat inside the worker."""
    db = tmp_path / "db.sqlite3"

    def query(sql, params=()):
        return _sqlite_query(db, sql.replace("%s", "?"), params)

    mail_dir = tmp_path / "mail"
    env = _env(
        tmp_path,
        SQLITE_PATH=str(db),
        EMAIL_HOST="",
        EMAIL_BACKEND="roundtable.lib.mail.EmailBackend",
        EMAIL_FILE_PATH=str(mail_dir),
        LOG_LEVEL="INFO",
    )
    _manage(env, "migrate", "--noinput")
    _manage(env, "shell", "-c", SEED)
    log = tmp_path / "worker.log"
    with _worker(env, log, "--beat") as proc:
        _check(env, query, mail_dir, proc, log, lambda: _send_twice(env))


@pytest.mark.skipif(
    not os.environ.get("REDIS_URL"),
    reason="REDIS_URL is not set: the end-to-end reminder run on Redis needs a Redis server "
    "(CI sets it in its second phase); the embedded-default run above covers the rest",
)
def test_redis_worker_and_beat_send_a_due_reminder_after_a_flush(tmp_path):
    import redis

    url = os.environ["REDIS_URL"]
    queue = f"roundtable-test-{uuid.uuid4().hex[:12]}"
    with _redis_keys_removed(url, queue), _worker_database(tmp_path) as (db_env, query):
        mail_dir = tmp_path / "mail"
        env = _env(
            tmp_path,
            REDIS_URL=url,
            CELERY_QUEUE=queue,
            EMAIL_HOST="",
            EMAIL_BACKEND="roundtable.lib.mail.EmailBackend",
            EMAIL_FILE_PATH=str(mail_dir),
            LOG_LEVEL="INFO",
            **db_env,
        )
        _manage(env, "migrate", "--noinput")
        # A hundred runs queued, then the queue flushed (a broker restart without AOF).
        _manage(
            env,
            "shell",
            "-c",
            "from roundtable.notifications.tasks import send_reminders\n"
            f"for _ in range(100): send_reminders.apply_async(kwargs={{'day': '{DAY}'}})",
        )
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        try:
            assert client.llen(queue) == 100
            client.delete(queue)
        finally:
            client.close()
        _manage(env, "shell", "-c", SEED)  # the work exists only in the database
        worker_log, beat_log = tmp_path / "worker.log", tmp_path / "beat.log"
        with (
            _worker(env, worker_log, "-Q", queue, "-n", f"{queue}@%h") as proc,
            _beat(env, beat_log),
        ):
            _check(env, query, mail_dir, proc, worker_log, lambda: _send_twice(env))
        assert "Sending due task reminders for" in beat_log.read_text()
        assert "maxmemory-policy is noeviction" in worker_log.read_text()


# --- A process killed mid-send (SECURITY.md §3 F2, with a real SIGKILL) ----------------------

KILL = """
import os, signal
from datetime import date
from roundtable.notifications import delivery, reminders

def die(name):
    if name == "POINT":
        os.kill(os.getpid(), signal.SIGKILL)

delivery.fault_point = die
reminders.reminders_run(day=date.fromisoformat("DAY"))
"""


@pytest.fixture(scope="module")
def seeded_sqlite(tmp_path_factory):
    base = tmp_path_factory.mktemp("seeded")
    env = _env(base, SQLITE_PATH=str(base / "db.sqlite3"))
    _manage(env, "migrate", "--noinput")
    _manage(env, "shell", "-c", SEED)
    return base / "db.sqlite3"


@pytest.mark.parametrize("point", ["before_claim", "claimed", "sent", "marked"])
def test_a_process_killed_mid_send_loses_nothing(seeded_sqlite, tmp_path, point):
    """The run is SIGKILLed at each point of the pipeline; the next run, once the claim
    lease (1 s here) has passed, finishes the work: every reminder delivered, each once,
    except the one message the mail server took just before the kill, sent again and
    counted as uncertain."""
    import shutil
    import signal
    import sys
    import time

    db = tmp_path / "db.sqlite3"
    shutil.copy(seeded_sqlite, db)
    mail_dir = tmp_path / "mail"
    env = _env(
        tmp_path,
        SQLITE_PATH=str(db),
        EMAIL_HOST="",
        EMAIL_BACKEND="roundtable.lib.mail.EmailBackend",
        EMAIL_FILE_PATH=str(mail_dir),
        REMINDER_CLAIM_LEASE_SECONDS="1",
    )
    code = KILL.replace("POINT", point).replace("DAY", DAY)
    killed = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    time.sleep(1.5)  # the lease runs out
    _manage(env, "send_reminders", "--date", DAY)

    def query(sql):
        return _sqlite_query(db, sql)

    statuses = Counter(
        dict(query("SELECT status, COUNT(*) FROM issues_reminderlog GROUP BY status"))
    )
    per_recipient = Counter(m["To"] for m in _overdue_messages(mail_dir))
    if point == "sent":
        uncertain = query(
            "SELECT DISTINCT u.email FROM issues_reminderlog r JOIN accounts_user u "
            "ON u.id = r.recipient_id WHERE r.status = 'uncertain'"
        )
        assert len(uncertain) == 1
        assert per_recipient.pop(uncertain[0][0]) == 2
        assert statuses["uncertain"] >= 1
    else:
        assert "uncertain" not in statuses
    assert set(per_recipient.values()) == {1} and len(per_recipient) >= 2
    assert set(statuses) <= {"sent", "uncertain"}
    assert sum(statuses.values()) == 6
