"""The benchmarks keep their databases by one setting and drop only what they created."""

import os
import re
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from bench import databases

ROOT = Path(__file__).resolve().parent.parent


def test_every_database_name_comes_from_the_one_setting():
    for script in sorted((ROOT / "bench").glob("*.py")):
        if script.name != "databases.py":
            named = re.findall(r"postgres://[^\s\"'…]*/\w+", script.read_text())
            assert named == [], f"{script.name} names a database: {named}"
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^export BENCH_PG$", makefile, flags=re.M)
    assert "$(BENCH_PG)_100000" in makefile  # the database run.py built, reused


def test_each_size_has_its_own_database(monkeypatch):
    monkeypatch.setenv("BENCH_PG", "postgres://postgres@127.0.0.1:5432/my_bench")
    assert databases.url_for_size(databases.base_url(), 100_000).endswith("/my_bench_100000")


def _pg_url():
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        pytest.skip("needs PostgreSQL (DATABASE_URL): the second pass of .ci/run has it")
    return urlunsplit(urlsplit(url)._replace(path=f"/bench_probe_{uuid.uuid4().hex[:8]}"))


def test_a_database_the_bench_did_not_create_is_never_dropped():
    url = _pg_url()
    with databases._connect(url, "postgres") as admin, admin.cursor() as cur:
        name = urlsplit(url).path.lstrip("/")
        cur.execute(f'CREATE DATABASE "{name}"')
    try:
        with pytest.raises(SystemExit, match="was not created by a bench script"):
            databases.pg_recreate(url)
        assert databases.pg_owner_mark(url) == ""  # still there, untouched
    finally:
        with databases._connect(url, "postgres") as admin, admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_database_the_bench_created_is_rebuilt():
    url = _pg_url()
    name = urlsplit(url).path.lstrip("/")
    try:
        databases.pg_recreate(url)
        assert databases.pg_owner_mark(url) == databases.OWNER_MARK
        databases.pg_recreate(url)  # its own: dropped and made again
        assert databases.pg_exists(url)
    finally:
        with databases._connect(url, "postgres") as admin, admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
