"""Request ids: in the response header, on the 500 page, in every log line (plain and JSON),
and carried to the tasks a request queues."""

import io
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from roundtable.lib import logs
from tests import test_celery_worker as worker_helpers

ROOT = Path(__file__).resolve().parents[2]
HEX32 = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def json_log():
    """The lines the project's handler setup would write for django.request, as JSON."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.RequestIdFilter())
    handler.setFormatter(logs.JsonFormatter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        logger.removeHandler(handler)


@pytest.mark.django_db
def test_every_response_carries_a_new_request_id(client):
    first = client.get("/accounts/login/")["X-Request-ID"]
    second = client.get("/accounts/login/")["X-Request-ID"]
    assert HEX32.fullmatch(first) and HEX32.fullmatch(second) and first != second


@pytest.mark.django_db
def test_a_safe_request_id_from_the_proxy_is_kept(client):
    response = client.get("/accounts/login/", HTTP_X_REQUEST_ID="4f0c2a9e7b1d4c3a9e8f7a6b5c4d3e2f")
    assert response["X-Request-ID"] == "4f0c2a9e7b1d4c3a9e8f7a6b5c4d3e2f"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "incoming",
    [
        "short",
        "has spaces in it",
        "x" * 200,
        "id\r\nSet-Cookie: a=b",
        "<script>1</script>",
        "-lead",
    ],
)
def test_an_unsafe_incoming_request_id_is_replaced(client, incoming):
    response = client.get("/accounts/login/", HTTP_X_REQUEST_ID=incoming)
    assert HEX32.fullmatch(response["X-Request-ID"])


@pytest.mark.django_db
def test_the_500_page_shows_the_request_id_that_the_log_line_carries(client, settings, json_log):
    settings.ROOT_URLCONF = "tests.ops.urls_boom"
    client.raise_request_exception = False
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/boom/")
    assert response.status_code == 500
    rid = response["X-Request-ID"]
    assert rid in response.content.decode()
    assert "quote this reference" in response.content.decode()
    assert len(queries) == 0  # the failure may be the database itself
    [line] = [r for r in json_log() if r["level"] == "ERROR"]
    assert line["request_id"] == rid
    assert line["logger"] == "django.request" and "/boom/" in line["message"]
    assert "RuntimeError: boom for the test" in line["exception"]


@pytest.mark.django_db
def test_the_500_page_is_in_the_visitors_language(client, settings):
    settings.ROOT_URLCONF = "tests.ops.urls_boom"
    client.raise_request_exception = False
    response = client.get("/boom/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    body = response.content.decode()
    assert response["X-Request-ID"] in body
    assert "出错" in body or "错误" in body


def _manage_shell(tmp_path, code, **env_extra):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "CACHE_URL", "SQLITE_PATH", "LOG_FORMAT"}
    }
    env.update(VAR_DIR=str(tmp_path), LOG_LEVEL="INFO", **env_extra)
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


_REQUEST_AND_FAILURE = (
    "from django.test import Client; import logging; "
    "Client().get('/no-such-page/', HTTP_X_REQUEST_ID='proxy-req-0001'); "
    "exec('try:\\n 1/0\\nexcept ZeroDivisionError:\\n "
    'logging.getLogger("roundtable.test").exception("it failed")\')'
)


def test_log_format_json_writes_one_object_per_line_with_the_request_id(tmp_path):
    result = _manage_shell(tmp_path, _REQUEST_AND_FAILURE, LOG_FORMAT="json")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert len(records) == len(result.stderr.splitlines()), result.stderr  # nothing else
    [not_found] = [r for r in records if r["logger"] == "django.request"]
    assert not_found["level"] == "WARNING"
    assert not_found["message"] == "Not Found: /no-such-page/"
    assert not_found["request_id"] == "proxy-req-0001"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", not_found["time"])
    [failure] = [r for r in records if r["logger"] == "roundtable.test"]
    assert failure["request_id"] == "-"  # outside any request
    assert failure["message"] == "it failed" and "ZeroDivisionError" in failure["exception"]


def test_plain_log_lines_carry_the_request_id(tmp_path):
    result = _manage_shell(tmp_path, _REQUEST_AND_FAILURE)
    assert result.returncode == 0, result.stderr
    assert re.search(
        r"WARNING django\.request \[proxy-req-0001\] Not Found: /no-such-page/", result.stderr
    ), result.stderr
    assert re.search(r"ERROR roundtable\.test \[-\] it failed", result.stderr)


def test_an_unknown_log_format_is_refused_at_start(tmp_path):
    result = _manage_shell(tmp_path, "pass", LOG_FORMAT="xml")
    assert result.returncode != 0
    assert "LOG_FORMAT must be one of plain, json" in result.stderr


@pytest.mark.worker
def test_task_log_lines_carry_the_request_id_of_the_request_that_queued_them(tmp_path):
    """A real worker (SQLite, filesystem broker) with LOG_FORMAT=json: a task queued during a
    request logs that request's id; a task queued outside any request logs its own id."""
    db = tmp_path / "db.sqlite3"
    env = worker_helpers._env(tmp_path, SQLITE_PATH=str(db), LOG_FORMAT="json", LOG_LEVEL="INFO")
    worker_helpers._manage(env, "migrate", "--noinput")
    sent = tmp_path / "sent.txt"
    code = (
        "from roundtable.lib import logs; "
        "from roundtable.dashboard.tasks import record_heartbeat; "
        "t = logs.request_id.set('req-from-web-0001'); r1 = record_heartbeat.delay('one'); "
        "logs.request_id.reset(t); r2 = record_heartbeat.delay('two'); "
        f"open({str(sent)!r}, 'w').write(r1.id + ' ' + r2.id)"
    )
    log = tmp_path / "worker.log"
    with worker_helpers._worker(env, log) as proc:
        worker_helpers._manage(env, "shell", "-c", code, timeout=30)
        first, second = sent.read_text().split()

        def succeeded():
            text = log.read_text()
            return text if text.count("succeeded") >= 2 else None

        worker_helpers._poll("two tasks succeeded", succeeded, proc, log)
    records = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    about_first = [r for r in records if first in r["message"]]
    about_second = [r for r in records if second in r["message"]]
    done_first = [r for r in about_first if "succeeded" in r["message"]]
    done_second = [r for r in about_second if "succeeded" in r["message"]]
    assert [r["request_id"] for r in done_first] == ["req-from-web-0001"]
    assert [r["request_id"] for r in done_second] == [second]
    # "received" is logged before the task starts: it carries the task's id.
    assert {r["request_id"] for r in about_first if "received" in r["message"]} == {first}
    assert all(r["request_id"] for r in records)
