"""The ledger import through a real worker on the embedded default (SQLite and kombu's
filesystem transport), as `make run` starts it: the sample ledger is uploaded and its import
started from one process, the worker imports it and writes the report."""

import pytest

from tests.issues.import_sample import PLANTED, REPEATED, ROWS
from tests.test_celery_worker import _env, _manage, _poll, _sqlite_query, _worker

pytestmark = pytest.mark.worker

START = """
from tests.factories import UserFactory
from tests.issues import import_sample
from issues.imports import uploads
from issues.imports.columns import guess_mapping
from issues.imports.reading import read_table
from roundtable.jobs import services, tasks
import io

import_sample.build_world()
owner = UserFactory(username='importer', roles=['commerce_staff'])
out = io.BytesIO()
import_sample.write_sample(out)
data = out.getvalue()
token = uploads.upload_save(owner=owner, name='ledger.xlsx', data=data)
mapping = guess_mapping(read_table(data, 'ledger.xlsx').header)
params = {'token': token, 'name': 'ledger.xlsx', 'mapping': mapping}
services.job_start(owner=owner, kind='ledger_import', params=params)
tasks.run_queued_jobs.delay()
"""


def test_the_worker_runs_an_import_job(tmp_path):
    db = tmp_path / "db.sqlite3"
    env = _env(tmp_path, SQLITE_PATH=str(db))
    _manage(env, "migrate", "--noinput")
    log = tmp_path / "worker.log"
    with _worker(env, log) as proc:
        _manage(env, "shell", "-c", START, timeout=120)
        rows = _poll(
            "a finished job",
            lambda: _sqlite_query(
                db,
                "SELECT status, file_path, progress_done, progress_total FROM jobs_job "
                "WHERE status NOT IN ('queued', 'running')",
            ),
            proc,
            log,
        )
    status, file_path, done, total = rows[0]
    assert status == "done", log.read_text()
    errors = sum(1 for _key, _words, severity in PLANTED.values() if severity == "error")
    expected = ROWS - errors - len(REPEATED)
    assert done == total == expected
    (count,) = _sqlite_query(db, "SELECT count(*) FROM issues_issue")[0]
    assert count == expected
    report = (tmp_path / "var" / "media" / file_path).read_text(encoding="utf-8-sig")
    assert report.count("\n") == 201  # a header and a line for every row of the file
