"""An export job through a real worker on the embedded default (SQLite and kombu's
filesystem transport), as `make run` starts it: the job is queued from one process and the
worker writes its file. Same set-up as tests/test_celery_worker.py."""

import pytest

from tests.test_celery_worker import _env, _manage, _poll, _sqlite_query, _worker

pytestmark = pytest.mark.worker

START = (
    "from tests.factories import UserFactory; "
    "from roundtable.jobs import services, tasks; "
    "owner = UserFactory(username='exporter', roles=['commerce_staff']); "
    "job = services.job_start(owner=owner, kind='ledger_csv', params={'query': ''}); "
    "tasks.run_queued_jobs.delay()"  # beat's tick, sent by hand: the test runs no beat
)


def test_the_worker_runs_an_export_job(tmp_path):
    db = tmp_path / "db.sqlite3"
    env = _env(tmp_path, SQLITE_PATH=str(db))
    _manage(env, "migrate", "--noinput")
    log = tmp_path / "worker.log"
    with _worker(env, log) as proc:
        _manage(env, "shell", "-c", START, timeout=30)
        rows = _poll(
            "a finished job",
            lambda: _sqlite_query(
                db,
                "SELECT status, file_path, size FROM jobs_job WHERE status != 'queued' "
                "AND status != 'running'",
            ),
            proc,
            log,
        )
    status, file_path, size = rows[0]
    assert status == "done", log.read_text()
    data = (tmp_path / "var" / "media" / file_path).read_bytes()
    assert len(data) == size and data.startswith(b"\xef\xbb\xbf")
    assert b"Reference" in data or "编号".encode() in data
