"""manage.py backup and restore: one archive holds the database and the attachments, and a
restore into an empty site finds every issue and every file again (on the database engine
the suite runs on: a throw-away PostgreSQL database, or a temporary SQLite file)."""

import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection

from issues.attachments import store_attachment
from issues.models import Attachment, Issue
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 20


def _site(issue_x, staff):
    """Three issues, three attachments (one with a Chinese name), all committed."""
    others = [factories.IssueFactory(title=f"Customs clearance {n} 通关") for n in range(2)]
    files = {
        "report.pdf": (issue_x, PDF),
        "现场照片 2026.png": (others[0], PNG),
        "minutes.pdf": (others[1], PDF + b"% more\n"),
    }
    for name, (issue, content) in files.items():
        store_attachment(issue=issue, uploaded_file=SimpleUploadedFile(name, content), user=staff)
    return {a.file.name: (a.original_name, a.file.read()) for a in Attachment.objects.all()}


@contextmanager
def _empty_target(tmp_path):
    """Settings for an empty site on this suite's engine, and a query function on it."""
    settings_dict = connection.settings_dict
    media = tmp_path / "restored-media"
    base = {"MEDIA_ROOT": str(media), "VAR_DIR": str(tmp_path / "var")}
    if connection.vendor == "postgresql":
        import psycopg

        name = f"{settings_dict['NAME']}_restore_{uuid.uuid4().hex[:8]}"
        params = {
            "host": settings_dict["HOST"] or None,
            "port": settings_dict["PORT"] or None,
            "user": settings_dict["USER"] or None,
            "password": settings_dict["PASSWORD"] or None,
        }
        admin = psycopg.connect(dbname="postgres", **params)
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
        user = settings_dict["USER"] or ""
        auth = f"{user}:{settings_dict['PASSWORD']}@" if settings_dict["PASSWORD"] else f"{user}@"
        url = (
            f"postgres://{auth}{settings_dict['HOST'] or '127.0.0.1'}:"
            f"{settings_dict['PORT'] or 5432}/{name}"
        )

        def query(sql):
            con = psycopg.connect(dbname=name, **params)
            try:
                with con.cursor() as cur:
                    cur.execute(sql)
                    return cur.fetchall()
            finally:
                con.close()

        try:
            yield {**base, "DATABASE_URL": url}, query, media
        finally:
            with admin.cursor() as cur:
                cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()
    else:
        path = tmp_path / "restored.sqlite3"

        def query(sql):
            con = sqlite3.connect(path)
            try:
                return con.execute(sql).fetchall()
            finally:
                con.close()

        yield {**base, "SQLITE_PATH": str(path)}, query, media


def _manage(env_extra, *args):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "SQLITE_PATH", "MEDIA_ROOT", "VAR_DIR", "REDIS_URL"}
    }
    env.update(env_extra, LOG_LEVEL="WARNING")
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_an_empty_site_with_every_issue_and_file(
    issue_x, staff, tmp_path, capsys
):
    stored = _site(issue_x, staff)
    references = sorted(Issue.objects.values_list("reference", "title"))
    archive = tmp_path / "site.tar.gz"
    call_command("backup", str(archive))
    assert "3 files" in capsys.readouterr().out
    assert oct(archive.stat().st_mode & 0o777) == "0o600"  # password hashes, personal data
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("roundtable-backup/manifest.json"))
    assert manifest["engine"] == connection.vendor and manifest["media_files"] == 3

    with _empty_target(tmp_path) as (env, query, media):
        result = _manage(env, "restore", str(archive))
        assert result.returncode == 0, result.stdout + result.stderr
        assert f"restored {connection.vendor}: 3 issues, 3 attachments, 3 files" in result.stdout

        assert sorted(query("SELECT reference, title FROM issues_issue")) == references
        rows = query("SELECT file, original_name FROM issues_attachment")
        assert {name: original for name, original in rows} == {
            name: original for name, (original, _content) in stored.items()
        }
        for name, (_original, content) in stored.items():
            assert (media / name).read_bytes() == content
        # The users came along: staff can sign in to the restored site with the same hash.
        assert query("SELECT username FROM accounts_user WHERE username = 'staff'")

        # Restoring again into what is now a site with data is refused, and changes nothing.
        again = _manage(env, "restore", str(archive))
        assert again.returncode != 0
        assert "the target site is not empty (users, issues, files in MEDIA_ROOT" in again.stderr
        forced = _manage(env, "restore", "--force", str(archive))
        assert forced.returncode == 0, forced.stderr
        assert sorted(query("SELECT reference, title FROM issues_issue")) == references
        assert sorted(p.relative_to(media).as_posix() for p in media.rglob("*") if p.is_file()) == (
            sorted(stored)
        )


def _archive(tmp_path, members: dict[str, bytes]) -> Path:
    path = tmp_path / "crafted.tar"
    with tarfile.open(path, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


@pytest.mark.django_db
def test_a_crafted_archive_is_refused_before_anything_is_touched(tmp_path, settings):
    manifest = json.dumps(
        {"format": 1, "engine": connection.vendor, "database": "database.sqlite3"}
    ).encode()
    climbing = _archive(
        tmp_path,
        {
            "roundtable-backup/manifest.json": manifest,
            "roundtable-backup/media/../../../etc/evil": b"x",
        },
    )
    with pytest.raises(CommandError, match="unexpected path"):
        call_command("restore", str(climbing))
    assert not list(Path(settings.MEDIA_ROOT).parent.glob("etc"))

    other = "sqlite" if connection.vendor == "postgresql" else "postgresql"
    wrong = json.dumps({"format": 1, "engine": other, "database": "database.pgdump"}).encode()
    crossed = _archive(tmp_path, {"roundtable-backup/manifest.json": wrong})
    with pytest.raises(CommandError, match=f"back-up is of a {other} database"):
        call_command("restore", str(crossed))

    with pytest.raises(CommandError, match="not a Roundtable back-up"):
        call_command("restore", str(_archive(tmp_path, {"roundtable-backup/x": b""})))
    with pytest.raises(CommandError, match="no archive"):
        call_command("restore", str(tmp_path / "missing.tar"))
