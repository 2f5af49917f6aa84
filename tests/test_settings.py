"""Settings read from the environment: safe defaults, and a deployment that passes Django's
own deployment checks."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.security.headers import assert_security_headers

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args, env_extra, tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DATABASE_URL",
            "REDIS_URL",
            "DEBUG",
            "SECRET_KEY",
            "HTTPS",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    env.update(VAR_DIR=str(tmp_path), **env_extra)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deployment_settings_pass_check_deploy(tmp_path):
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_extra={
            "DEBUG": "0",
            "HTTPS": "1",
            "SECRET_KEY": secrets.token_urlsafe(60),
            "ALLOWED_HOSTS": "roundtable.example.gov.cn",
        },
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


# Run with the deployment's environment: a page asked over plain HTTP (the redirect to HTTPS)
# and over HTTPS, as a browser gets them.
_HEADERS_OF_A_PAGE = """
import json
from django.test import Client
client = Client(HTTP_HOST="roundtable.example.gov.cn")
answers = {
    "http": client.get("/accounts/login/"),
    "https": client.get("/accounts/login/", secure=True),
}
print(json.dumps({name: [r.status_code, dict(r.headers)] for name, r in answers.items()}))
"""


def test_deployment_answers_carry_the_security_headers_even_the_https_redirect(tmp_path):
    result = _manage(
        "shell",
        "--no-imports",
        "-c",
        _HEADERS_OF_A_PAGE,
        env_extra={
            "DEBUG": "0",
            "HTTPS": "1",
            "SECRET_KEY": secrets.token_urlsafe(60),
            "ALLOWED_HOSTS": "roundtable.example.gov.cn",
        },
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    status, headers = answers["http"]
    assert status == 301 and headers["Location"].startswith("https://")
    assert_security_headers(headers)
    status, headers = answers["https"]
    assert status == 200
    assert_security_headers(headers)
    assert headers["X-Frame-Options"] == "DENY"
    assert "max-age=31536000" in headers["Strict-Transport-Security"]


def test_bare_machine_defaults_are_sqlite_filesystem_broker_and_debug_off(tmp_path):
    script = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.DEBUG, s.TIME_ZONE,"
        " s.EMAIL_BACKEND)"
    )
    result = _manage("shell", "--no-imports", "-c", script, env_extra={}, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-5:] == [
        "django.db.backends.sqlite3",
        "filesystem://",
        "False",
        "Asia/Shanghai",
        "roundtable.lib.mail.EmailBackend",  # one .eml file per message in var/mail/
    ]
    # The generated secret key stays in var/, private to its owner.
    key = tmp_path / "secret_key"
    assert key.exists() and oct(key.stat().st_mode & 0o777) == "0o600"


@pytest.mark.django_db
def test_the_connection_pool_serves_queries_when_asked_for(tmp_path):
    """DATABASE_POOL=1 gives Django's psycopg 3 pool (persistent connections off, as Django
    requires), and queries go through it."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the pool is PostgreSQL's: CI's second phase runs this with DATABASE_URL")
    db = connection.settings_dict  # the test database, which exists and is migrated
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    url = f"postgres://{db['USER'] or 'postgres'}@{host}:{port}/{db['NAME']}"
    script = (
        "from django.db import connection as c;"
        "from django.contrib.auth import get_user_model as g;"
        "[g().objects.count() for _ in range(3)];"
        "print(type(c.pool).__name__, c.settings_dict['CONN_MAX_AGE'], c.pool.max_size)"
    )
    result = _manage(
        "shell",
        "--no-imports",
        "-c",
        script,
        env_extra={"DATABASE_URL": url, "DATABASE_POOL": "1", "DATABASE_POOL_MAX": "3"},
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-3:] == ["ConnectionPool", "0", "3"]
