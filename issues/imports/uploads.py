"""Uploaded ledgers wait in MEDIA_ROOT/imports/ (never served) between the upload, the
preview and the import; the nightly sweep deletes those left there longer than
JOB_FILES_KEEP_HOURS. A file's name holds its owner's id and a random token, so one person
can never reach another's upload; its original name is kept beside it."""

import json
import os
import re
import secrets
import time
from pathlib import Path

from django.conf import settings

FOLDER = "imports"
TOKEN = re.compile(r"^[0-9a-f]{32}$")


def _root() -> Path:
    return Path(settings.MEDIA_ROOT) / FOLDER


def upload_save(*, owner, name: str, data: bytes) -> str:
    """Keep ``data`` for ``owner``; the token that finds it again."""
    root = _root()
    root.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(16)
    suffix = ".xlsx" if name.lower().endswith(".xlsx") else ".csv"
    (root / f"{owner.pk}-{token}{suffix}").write_bytes(data)
    (root / f"{owner.pk}-{token}.json").write_text(json.dumps({"name": Path(name).name[:200]}))
    return token


def upload_find(*, owner, token: str) -> tuple[str, bytes] | None:
    """The original name and content of ``owner``'s upload ``token``; None if there is none."""
    if not TOKEN.match(token or ""):
        return None
    root = _root()
    for suffix in (".xlsx", ".csv"):
        path = root / f"{owner.pk}-{token}{suffix}"
        if path.is_file():
            meta = root / f"{owner.pk}-{token}.json"
            name = json.loads(meta.read_text())["name"] if meta.is_file() else path.name
            return name, path.read_bytes()
    return None


def upload_claim(*, owner, token: str) -> tuple[str, bytes] | None:
    """Take ``owner``'s upload ``token`` for an import: renamed in one step, so that the same
    upload started twice (a double click) is imported once; None when it is gone."""
    found = upload_find(owner=owner, token=token)
    if found is None:
        return None
    name, data = found
    suffix = ".xlsx" if name.lower().endswith(".xlsx") else ".csv"
    path = _root() / f"{owner.pk}-{token}{suffix}"
    try:
        os.replace(path, path.with_suffix(".running"))
    except FileNotFoundError:
        return None
    return name, path.with_suffix(".running").read_bytes()


def upload_delete(*, owner, token: str) -> None:
    if not TOKEN.match(token or ""):
        return
    for suffix in (".xlsx", ".csv", ".json", ".running"):
        (_root() / f"{owner.pk}-{token}{suffix}").unlink(missing_ok=True)


def uploads_purge(*, now: float | None = None) -> int:
    """Delete uploads left unimported (and claimed ones a failed import left) older than
    JOB_FILES_KEEP_HOURS: the nightly sweep (``issues.tasks.sweep_orphan_files``). Returns
    how many files were deleted."""
    root = _root()
    if not root.is_dir():
        return 0
    cutoff = (now if now is not None else time.time()) - settings.JOB_FILES_KEEP_HOURS * 3600
    deleted = 0
    for path in root.iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                deleted += 1
        except FileNotFoundError:
            continue
    return deleted
