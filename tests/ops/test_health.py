"""/healthz and /readyz: the answers a proxy, a container runtime or monitoring polls."""

import json
import logging
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from roundtable.dashboard.models import Heartbeat
from roundtable.ops import health

ROOT = Path(__file__).resolve().parents[2]
CHECKS = {"database", "cache", "broker", "worker", "calendar"}


def _beat(**ago):
    Heartbeat.objects.update_or_create(
        name="worker", defaults={"seen_at": timezone.now() - timedelta(**ago)}
    )


def test_healthz_answers_without_database_session_or_host_check(client, settings, db):
    # Behind TLS with the HTTPS redirect on, a probe still talks plain HTTP to 127.0.0.1:8000.
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["roundtable.example.gov.cn"]
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/healthz", HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert len(queries) == 0
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies
    assert "no-cache" in response["Cache-Control"]
    assert response["X-Request-ID"]


@pytest.mark.django_db
def test_readyz_is_200_and_names_every_check_when_all_answer(client):
    _beat(seconds=30)
    with time_machine.travel("2026-06-01 10:00 +0800", tick=True):
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": dict.fromkeys(CHECKS, "ok")}


@pytest.mark.django_db
@time_machine.travel("2026-06-01 10:00 +0800", tick=True)
def test_readyz_fails_with_503_when_the_worker_heartbeat_is_stale_or_missing(client, caplog):
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail" and body["checks"]["worker"] == "fail"
    assert body["checks"]["database"] == "ok"

    health.forget()
    _beat(minutes=11)
    caplog.clear()
    for _ in range(3):
        health.forget(reports=False)  # as a second later: computed again
        response = client.get("/readyz")
        assert response.status_code == 503 and response.json()["checks"]["worker"] == "fail"
    # Polled every second while the worker is down: one line when it fails, not an error
    # line per poll.
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == [
        "readiness check worker failed: check returned fail"
    ]

    health.forget()
    _beat(minutes=2)
    assert client.get("/readyz").status_code == 200


@pytest.mark.django_db
def test_unpublished_next_year_calendar_is_a_warning_from_november_not_a_failure(client):
    # chinese-calendar 1.11.0 (the seed) ends with 2026: 2027 is not published.
    with time_machine.travel("2026-10-31 12:00 +0800", tick=True):
        _beat(seconds=5)
        assert client.get("/readyz").json()["checks"]["calendar"] == "ok"
    health.forget()
    with time_machine.travel("2026-11-02 12:00 +0800", tick=True):
        _beat(seconds=5)
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "warn"
    assert response.json()["checks"]["calendar"] == "warn"


@pytest.mark.django_db
def test_readyz_broker_and_cache_down_fail_within_bounded_time_and_leak_nothing(client, settings):
    _beat(seconds=5)
    # Nothing listens on port 1: refused at once. The password must not reach the answer.
    settings.CELERY_BROKER_URL = "redis://:s3cret-pw@127.0.0.1:1/0"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://:s3cret-pw@127.0.0.1:1/2",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    started = time.monotonic()
    response = client.get("/readyz")
    assert time.monotonic() - started < 5
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["broker"] == "fail" and body["checks"]["cache"] == "fail"
    assert body["checks"]["database"] == "ok"
    text = response.content.decode()
    assert "s3cret" not in text and "127.0.0.1" not in text and "Error" not in text
    assert set(json.loads(text)) == {"status", "checks"}
    assert set(body["checks"].values()) <= {"ok", "warn", "fail"}


@pytest.mark.django_db
@time_machine.travel("2026-11-16 10:00 +0800", tick=True)
def test_readyz_is_computed_at_most_once_a_second(client, django_assert_num_queries):
    _beat(seconds=5)
    first = client.get("/readyz")
    with django_assert_num_queries(0):
        for _ in range(20):
            again = client.get("/readyz")
    assert again.json() == first.json()
    time.sleep(health.CACHE_SECONDS + 0.05)
    with django_assert_num_queries(3):  # SELECT 1, the heartbeat, next year's calendar
        client.get("/readyz")


def test_readyz_with_the_database_down_answers_503_quickly(tmp_path):
    """A real process whose database cannot be reached (nothing listens on port 1)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "CACHE_URL", "SQLITE_PATH"}
    }
    env.update(
        VAR_DIR=str(tmp_path),
        DATABASE_URL="postgres://roundtable:pw@127.0.0.1:1/roundtable",
        LOG_LEVEL="ERROR",
    )
    code = (
        "from django.test import Client; import time; t = time.monotonic(); "
        "r = Client().get('/readyz'); "
        "print(r.status_code, round(time.monotonic() - t, 1), r.content.decode())"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    status, seconds, body = result.stdout.strip().splitlines()[-1].split(" ", 2)
    assert status == "503"
    assert float(seconds) < 3
    checks = json.loads(body)["checks"]
    assert checks["database"] == "fail" and checks["worker"] == "fail"
    assert checks["broker"] == "ok" and checks["cache"] == "ok"
    assert "pw" not in body
