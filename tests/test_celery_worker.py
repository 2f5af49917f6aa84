"""A real Celery worker process runs real tasks: one on the embedded default (SQLite and
kombu's filesystem transport, beat included), one on Redis when REDIS_URL is set.

Everything runs in subprocesses against a database of its own (a temporary SQLite file, or a
throw-away PostgreSQL database), never the pytest-django test database: that one lives in a
transaction the worker could not see.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

pytestmark = pytest.mark.worker

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CELERY = str(Path(sys.executable).parent / "celery")
TASK = "roundtable.dashboard.tasks.record_heartbeat"
POLL_TIMEOUT = 30.0

# Variables that would point a subprocess somewhere else than the test wants.
_SCRUBBED = (
    "DATABASE_URL",
    "REDIS_URL",
    "CACHE_URL",
    "SQLITE_PATH",
    "VAR_DIR",
    "CELERY_TASK_ALWAYS_EAGER",
    "DJANGO_SETTINGS_MODULE",
)


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
    env.update(
        DJANGO_SETTINGS_MODULE="roundtable.settings",
        VAR_DIR=str(tmp_path / "var"),
        CELERY_TASK_ALWAYS_EAGER="0",
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def _manage(env: dict[str, str], *args: str, timeout: float = 60) -> None:
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, (
        f"manage.py {' '.join(args)} failed ({result.returncode}):\n"
        f"{result.stdout}\n{result.stderr}"
    )


def _send(env: dict[str, str], name: str, queue: str | None = None) -> None:
    options = f", queue={queue!r}" if queue else ""
    code = (
        "from roundtable.dashboard.tasks import record_heartbeat; "
        f"record_heartbeat.apply_async(args=[{name!r}]{options})"
    )
    _manage(env, "shell", "-c", code, timeout=30)


@contextmanager
def _worker(env: dict[str, str], log: Path, *extra: str) -> Iterator[subprocess.Popen]:
    """A worker in a session of its own; on the way out its whole process group (the worker
    and beat) is stopped, warm first, then killed."""
    with log.open("w") as out:
        proc = subprocess.Popen(
            [CELERY, "-A", "roundtable", "worker", "--concurrency=1", "--pool=solo"]
            + ["--loglevel=info", "--without-gossip", "--without-mingle", "--without-heartbeat"]
            + list(extra),
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


def _stop_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
    # The worker may be gone while beat, its child, lingers: make sure the group is empty.
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    if proc.poll() is None:
        proc.wait(timeout=5)


def _poll(what: str, probe: Callable[[], object], proc: subprocess.Popen, log: Path):
    deadline = time.monotonic() + POLL_TIMEOUT
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        if proc.poll() is not None:
            pytest.fail(f"worker exited ({proc.returncode}) before {what}:\n{log.read_text()}")
        time.sleep(0.25)
    pytest.fail(f"no {what} after {POLL_TIMEOUT:.0f} s; worker log:\n{log.read_text()}")


def _sqlite_query(path: Path, sql: str, params=()) -> list[tuple]:
    if not path.exists():
        return []
    con = sqlite3.connect(path, timeout=5)
    try:
        return con.execute(sql, params).fetchall()
    except sqlite3.OperationalError:  # table not there yet, or busy
        return []
    finally:
        con.close()


def test_embedded_worker_and_beat_run_tasks(tmp_path):
    """SQLite + filesystem:// broker + `worker -B`: a task sent from another process runs, and
    beat has loaded the heartbeat schedule into its database tables."""
    db = tmp_path / "db.sqlite3"
    env = _env(tmp_path, SQLITE_PATH=str(db))
    _manage(env, "migrate", "--noinput")
    log = tmp_path / "worker.log"

    with _worker(env, log, "--beat") as proc:
        _send(env, "probe")
        rows = _poll(
            "heartbeat 'probe'",
            lambda: _sqlite_query(
                db, "SELECT name, detail FROM dashboard_heartbeat WHERE name = ?", ("probe",)
            ),
            proc,
            log,
        )
        assert rows[0][1].endswith(f"/{proc.pid}"), rows  # solo pool: the task ran in the worker

        # The first interval tick comes only after 60 s, so check that beat synced the schedule.
        periodic = _poll(
            "periodic task 'heartbeat' from beat",
            lambda: _sqlite_query(
                db,
                "SELECT p.task, i.every, i.period FROM django_celery_beat_periodictask p "
                "JOIN django_celery_beat_intervalschedule i ON i.id = p.interval_id "
                "WHERE p.name = ? AND p.enabled",
                ("heartbeat",),
            ),
            proc,
            log,
        )
        assert periodic == [(TASK, 60, "seconds")]


# --- Redis --------------------------------------------------------------------------------


@contextmanager
def _postgres_database(url: str) -> Iterator[str]:
    """A fresh database on the server of `url`, dropped afterwards; yields its URL."""
    import psycopg

    parts = urlsplit(url)
    name = f"roundtable_worker_{uuid.uuid4().hex[:12]}"
    admin = psycopg.connect(urlunsplit(parts._replace(path="/postgres")))
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
        try:
            yield urlunsplit(parts._replace(path=f"/{name}"))
        finally:
            with admin.cursor() as cur:
                cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.close()


def _postgres_query(url: str, sql: str, params=()) -> list[tuple]:
    import psycopg

    con = psycopg.connect(url, connect_timeout=5)
    try:
        with con.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()
    finally:
        con.close()


@contextmanager
def _worker_database(tmp_path: Path) -> Iterator[tuple[dict[str, str], Callable]]:
    """Database settings for the worker and a query function on the same database."""
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url.startswith(("postgres://", "postgresql://")):
        with _postgres_database(database_url) as url:
            yield {"DATABASE_URL": url}, lambda sql, params=(): _postgres_query(url, sql, params)
    else:
        db = tmp_path / "db.sqlite3"
        yield (
            {"SQLITE_PATH": str(db)},
            lambda sql, params=(): _sqlite_query(db, sql.replace("%s", "?"), params),
        )


@contextmanager
def _redis_keys_removed(url: str, queue: str) -> Iterator[None]:
    """Remove what kombu leaves in Redis for a queue of this run (its list and bindings)."""
    import redis

    try:
        yield
    finally:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        try:
            client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        finally:
            client.close()


@pytest.mark.skipif(
    not os.environ.get("REDIS_URL"),
    reason="REDIS_URL is not set: the Redis worker test needs a Redis server "
    "(the embedded-default worker test covers the rest)",
)
def test_redis_worker_runs_tasks(tmp_path):
    """With REDIS_URL the same code runs on Redis: a task sent to a queue of this run's own is
    picked up by a worker on PostgreSQL (DATABASE_URL) or SQLite."""
    queue = f"roundtable-test-{uuid.uuid4().hex[:12]}"
    with (
        _redis_keys_removed(os.environ["REDIS_URL"], queue),
        _worker_database(tmp_path) as (db_env, query),
    ):
        env = _env(tmp_path, REDIS_URL=os.environ["REDIS_URL"], **db_env)
        _manage(env, "migrate", "--noinput")
        log = tmp_path / "worker.log"
        # No beat: its heartbeats would go to the shared default queue of this Redis.
        with _worker(env, log, "-Q", queue, "-n", f"{queue}@%h") as proc:
            _send(env, "probe", queue=queue)
            rows = _poll(
                "heartbeat 'probe'",
                lambda: query(
                    "SELECT name, detail FROM dashboard_heartbeat WHERE name = %s", ("probe",)
                ),
                proc,
                log,
            )
            assert rows[0][1].endswith(f"/{proc.pid}"), rows
