"""Back-up and restore of a whole site: the database and the attachments, in one archive.

The archive is a tar file (gzip-compressed when its name ends in .gz or .tgz)::

    roundtable-backup/manifest.json       format, engine, when, counts
    roundtable-backup/database.pgdump     pg_dump --format=custom (PostgreSQL), or
    roundtable-backup/database.sqlite3    a copy made with SQLite's backup API
    roundtable-backup/media/…             every file under MEDIA_ROOT

The database is dumped first and the files listed after it, so every attachment row in the
dump has its file in the archive (files are written before their row commits; a file without
a row is swept later). Redis holds nothing that is not derived again.

A restore goes into an empty site: a database with no users and no issues (a new one, or one
just migrated) and an empty MEDIA_ROOT. A site with data is refused unless ``force``; then its
database and its files are replaced.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import connections
from django.utils import timezone

FORMAT = 1
PREFIX = "roundtable-backup"
PG_DUMP_FILE = "database.pgdump"
SQLITE_FILE = "database.sqlite3"


class BackupError(Exception):
    """A back-up or restore that cannot go on; the message says why, for the operator."""


@dataclass
class Summary:
    engine: str
    issues: int
    attachments: int
    files: int
    missing_files: list[str]

    def text(self) -> str:
        missing = (
            f"; {len(self.missing_files)} attachment files missing" if self.missing_files else ""
        )
        return (
            f"{self.engine}: {self.issues} issues, {self.attachments} attachments, "
            f"{self.files} files{missing}"
        )


def _engine(alias: str) -> str:
    vendor = connections[alias].vendor
    if vendor not in ("postgresql", "sqlite"):
        raise BackupError(f"back-up supports PostgreSQL and SQLite, not {vendor}")
    return vendor


def _pg_env(alias: str) -> dict[str, str]:
    """libpq's variables for the database of ``alias``: no password on a command line."""
    s = connections[alias].settings_dict
    env = dict(os.environ)
    for var, value in (
        ("PGHOST", s.get("HOST")),
        ("PGPORT", s.get("PORT")),
        ("PGUSER", s.get("USER")),
        ("PGPASSWORD", s.get("PASSWORD")),
        ("PGDATABASE", s.get("NAME")),
    ):
        if value:
            env[var] = str(value)
        else:
            env.pop(var, None)
    env.setdefault("PGCONNECT_TIMEOUT", "10")
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise BackupError(
            f"{name} not found: install the PostgreSQL client (Debian: postgresql-client), "
            "of the same major version as the server or newer"
        )
    return path


def _run(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {result.stderr.strip()[-2000:]}")


def _media_files(root: Path) -> list[Path]:
    if not root.exists():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


# --- Back-up --------------------------------------------------------------------------------


def backup_create(*, path: Path, alias: str = "default") -> dict:
    """Write the site's database and MEDIA_ROOT to the archive at ``path``; return its
    manifest. Written to ``<path>.partial`` first, so a failed back-up never looks whole."""
    engine = _engine(alias)
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    media = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="roundtable-backup-") as tmp:
        if engine == "postgresql":
            db_name = PG_DUMP_FILE
            dump = Path(tmp) / db_name
            _run(
                [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-acl", f"--file={dump}"],
                _pg_env(alias),
            )
        else:
            db_name = SQLITE_FILE
            dump = Path(tmp) / db_name
            connection = connections[alias]
            connection.ensure_connection()
            target = sqlite3.connect(dump)
            try:
                connection.connection.backup(target)
            finally:
                target.close()
        files = _media_files(media)  # after the dump: every row in it has its file
        manifest = {
            "format": FORMAT,
            "engine": engine,
            "created_at": timezone.now().isoformat(),
            "database": db_name,
            "media_files": len(files),
            "media_bytes": sum(p.stat().st_size for p in files),
        }
        mode = "w:gz" if path.name.endswith((".gz", ".tgz")) else "w"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode=mode) as tar:
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo(f"{PREFIX}/manifest.json")
            info.size, info.mtime, info.mode = len(data), int(timezone.now().timestamp()), 0o600
            tar.addfile(info, _bytes_io(data))
            tar.add(dump, arcname=f"{PREFIX}/{db_name}", recursive=False)
            for file in files:
                relative = file.relative_to(media).as_posix()
                tar.add(file, arcname=f"{PREFIX}/media/{relative}", recursive=False)
    partial.replace(path)
    return manifest


def _bytes_io(data: bytes):
    import io

    return io.BytesIO(data)


# --- Restore --------------------------------------------------------------------------------


def site_has_data(alias: str = "default") -> list[str]:
    """What the target site already holds: empty when it may be restored into."""
    found = []
    connection = connections[alias]
    tables = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for table, what in (("accounts_user", "users"), ("issues_issue", "issues")):
            if table in tables:
                cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")
                if cursor.fetchone():
                    found.append(what)
    if _media_files(Path(settings.MEDIA_ROOT)):
        found.append(f"files in MEDIA_ROOT ({settings.MEDIA_ROOT})")
    return found


def _members(tar: tarfile.TarFile) -> dict[str, tarfile.TarInfo]:
    members = {}
    for member in tar.getmembers():
        name = PurePosixPath(member.name)
        if name.is_absolute() or ".." in name.parts or name.parts[:1] != (PREFIX,):
            raise BackupError(f"unexpected path in the archive: {member.name!r}")
        if not (member.isfile() or member.isdir()):
            raise BackupError(f"unexpected entry in the archive: {member.name!r}")
        members[str(PurePosixPath(*name.parts[1:]))] = member
    return members


def backup_restore(*, path: Path, force: bool = False, alias: str = "default") -> Summary:
    """Restore the archive at ``path`` into this site (its database and MEDIA_ROOT).

    Refuses a site that holds data unless ``force``; refuses an archive made on another
    database engine. On PostgreSQL the restore is one transaction (``--single-transaction``),
    so a failure leaves the target as it was; the files are written after it."""
    engine = _engine(alias)
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"no archive at {path}")
    with tarfile.open(path, mode="r:*") as tar:
        members = _members(tar)
        if "manifest.json" not in members:
            raise BackupError(f"{path} is not a Roundtable back-up (no manifest)")
        manifest = json.load(tar.extractfile(members["manifest.json"]))
        if manifest.get("format") != FORMAT:
            raise BackupError(f"unknown back-up format {manifest.get('format')!r}")
        if manifest.get("engine") != engine:
            raise BackupError(
                f"this back-up is of a {manifest.get('engine')} database; this site uses "
                f"{engine}. Restore it into a site on {manifest.get('engine')}."
            )
        present = site_has_data(alias)
        if present and not force:
            raise BackupError(
                "the target site is not empty ("
                + ", ".join(present)
                + "): restore into a new database and an empty MEDIA_ROOT, or use --force "
                "to replace everything it holds"
            )
        with tempfile.TemporaryDirectory(prefix="roundtable-restore-") as tmp:
            dump = Path(tmp) / manifest["database"]
            member = members.get(manifest["database"])
            if member is None or not member.isfile():
                raise BackupError("the archive has no database file")
            with tar.extractfile(member) as source, dump.open("wb") as target:
                shutil.copyfileobj(source, target)
            if engine == "postgresql":
                _restore_postgresql(dump, alias)
            else:
                _restore_sqlite(dump, alias)
        _restore_media(tar, members)
    return restored_summary(alias, engine)


def _restore_postgresql(dump: Path, alias: str) -> None:
    connection = connections[alias]
    if connection.introspection.table_names():
        # A migrated but empty database, or --force: start from an empty schema. The dump
        # recreates everything, extensions included.
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    connection.close()
    _run(
        [
            _tool("pg_restore"),
            "--no-owner",
            "--no-acl",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={connection.settings_dict['NAME']}",
            str(dump),
        ],
        _pg_env(alias),
    )


def _restore_sqlite(dump: Path, alias: str) -> None:
    connection = connections[alias]
    connection.ensure_connection()
    source = sqlite3.connect(dump)
    try:
        # The backup API replaces the whole target database, page by page, under its lock.
        source.backup(connection.connection)
    finally:
        source.close()
    connection.close()


def _restore_media(tar: tarfile.TarFile, members: dict[str, tarfile.TarInfo]) -> None:
    root = Path(settings.MEDIA_ROOT)
    for old in _media_files(root):
        old.unlink()  # only with --force: an empty site has none
    for name, member in members.items():
        if not name.startswith("media/") or not member.isfile():
            continue
        target = root.joinpath(*PurePosixPath(name).parts[1:])
        if root.resolve() not in target.resolve().parents:
            raise BackupError(f"unexpected path in the archive: {member.name!r}")
        target.parent.mkdir(parents=True, exist_ok=True)
        with tar.extractfile(member) as source, target.open("wb") as out:
            shutil.copyfileobj(source, out)
        os.utime(target, (member.mtime, member.mtime))


def restored_summary(alias: str, engine: str) -> Summary:
    """Counts read back from the restored site, and the attachments whose file is missing."""
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM issues_issue")
        issues = cursor.fetchone()[0]
        cursor.execute("SELECT file FROM issues_attachment")
        names = [row[0] for row in cursor.fetchall()]
    root = Path(settings.MEDIA_ROOT)
    missing = [name for name in names if not (root / name).is_file()]
    return Summary(engine, issues, len(names), len(_media_files(root)), missing)
