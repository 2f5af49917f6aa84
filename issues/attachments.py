"""Attachments: what may be uploaded, where it is stored, and how it is handed back.

A file is accepted when its extension is on the list *and* its first bytes say it is that
kind of file; the browser's content type is never consulted. It is stored under a generated
name (``attachments/2026/11/<32 hex>.pdf``), so nothing the user typed reaches the file
system; the cleaned-up original name is kept only as display text. Downloads are always
``attachment`` with ``nosniff`` and a sandboxing CSP, so even a file that slipped through
cannot run as a page of this site (osTicket #3764, CVE-2020-24917).

A file is written before the transaction that records it commits. A caller wraps that
transaction in ``files_removed_on_rollback()``, which deletes the files it stored if the
transaction fails; whatever still escapes (a process killed in between) is deleted by the
nightly ``orphan_files_sweep``.

None of these functions checks access: the view asks ``issues.access`` first.
"""

import logging
import posixpath
import re
import secrets
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from issues.exports import content_disposition
from issues.models import Attachment
from roundtable.lib.downloads import nginx_file_response, nginx_uri

logger = logging.getLogger(__name__)

HEAD_BYTES = 8 * 1024
MAX_NAME_CHARS = 200
FALLBACK_NAME = "attachment"

# extension → (kind found by magic bytes, content type stored and served)
ALLOWED_TYPES = {
    "pdf": ("pdf", "application/pdf"),
    "png": ("png", "image/png"),
    "jpg": ("jpeg", "image/jpeg"),
    "jpeg": ("jpeg", "image/jpeg"),
    "gif": ("gif", "image/gif"),
    "webp": ("webp", "image/webp"),
    "docx": (
        "zip",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "xlsx": ("zip", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": (
        "zip",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    "zip": ("zip", "application/zip"),
    "doc": ("ole2", "application/msword"),
    "xls": ("ole2", "application/vnd.ms-excel"),
    "ppt": ("ole2", "application/vnd.ms-powerpoint"),
    "txt": ("text", "text/plain"),
    "csv": ("text", "text/csv"),
}

_MAGIC = [
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"PK\x03\x04", "zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole2"),
]
# Text that a browser (or a careless viewer) would run as a page or an image with script.
_MARKUP = ("<script", "<svg", "<html", "<!doctype", "<?xml", "<iframe", "<body")
_TEXT_ENCODINGS = ("utf-8-sig", "gb18030")
# Characters Windows forbids in file names; the path separators are already gone by then.
_UNSAFE_NAME_CHARS = re.compile(r'[<>:"|?*]')
_EXTENSION = re.compile(r"[A-Za-z0-9]{1,16}")


@dataclass(frozen=True)
class Sniffed:
    kind: str | None  # a kind of ALLOWED_TYPES, "markup", or None for unknown bytes
    encoding: str = ""


def sniff(head: bytes, *, truncated: bool = False) -> Sniffed:
    """What the first bytes of a file say it is. ``truncated`` means the file goes on after
    ``head``, so a multi-byte character cut at the end is not held against it."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return Sniffed(kind)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Sniffed("webp")
    if b"\x00" in head:
        return Sniffed(None)
    for encoding in _TEXT_ENCODINGS:
        text = _decode(head, encoding, truncated=truncated)
        if text is not None:
            lowered = text.lower()
            if any(tag in lowered for tag in _MARKUP):
                return Sniffed("markup")
            return Sniffed("text", "utf-8" if encoding == "utf-8-sig" else encoding)
    return Sniffed(None)


def _decode(head: bytes, encoding: str, *, truncated: bool) -> str | None:
    try:
        return head.decode(encoding)
    except UnicodeDecodeError as exc:
        # A character cut by the 8 KiB boundary (at most 4 bytes in either encoding).
        if truncated and exc.start >= len(head) - 4:
            try:
                return head[: exc.start].decode(encoding)
            except UnicodeDecodeError:
                return None
        return None


def display_name(raw) -> str:
    """The uploaded name made safe to show and to offer back as a download name.

    Keeps only the last path component (``/`` or ``\\``), drops NUL, control and invisible
    formatting characters (a right-to-left override can disguise ``exe`` as ``pdf``), replaces
    characters Windows forbids, collapses whitespace and trims to 200 characters, keeping the
    extension. Chinese stays as it is. Never used as a storage path.
    """
    name = unicodedata.normalize("NFC", str(raw or ""))
    name = re.split(r"[/\\]", name)[-1]
    name = re.sub(r"\s+", " ", name)
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE_NAME_CHARS.sub("_", name)
    name = re.sub(r" +", " ", name).strip().rstrip(". ")
    stem, dot, ext = name.rpartition(".")
    if not dot or not _EXTENSION.fullmatch(ext):
        stem, ext = name, ""
    stem = stem.strip()
    if not stem:
        stem = FALLBACK_NAME
    suffix = f".{ext}" if ext else ""
    stem = stem[: MAX_NAME_CHARS - len(suffix)].rstrip(". ") or FALLBACK_NAME
    return stem + suffix


def extension(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def validate_upload(uploaded_file) -> tuple[str, str]:
    """Check an uploaded file; return ``(content_type, display name)`` or raise
    ``ValidationError`` with a message for the user. Reads the first 8 KiB and rewinds."""
    name = display_name(uploaded_file.name)
    max_bytes = settings.ATTACHMENT_MAX_BYTES
    size = uploaded_file.size
    if size is None or size > max_bytes:
        raise ValidationError(
            _("The file is too large (max %(max)s MB)."),
            code="too_large",
            params={"max": f"{max_bytes / (1024 * 1024):.3g}"},
        )
    if size == 0:
        raise ValidationError(_("The file is empty."), code="empty")

    ext = extension(name)
    if ext not in ALLOWED_TYPES:
        raise ValidationError(
            _("This kind of file is not accepted: %(kind)s. Accepted: %(allowed)s."),
            code="type_not_accepted",
            params={"kind": f".{ext}" if ext else _("no extension"), "allowed": _allowed()},
        )

    uploaded_file.seek(0)
    head = uploaded_file.read(HEAD_BYTES)
    uploaded_file.seek(0)
    found = sniff(head, truncated=size > len(head))
    if found.kind == "markup":
        raise ValidationError(
            _("This kind of file is not accepted: %(kind)s."),
            code="markup",
            params={"kind": _("a web page or SVG image (HTML, SVG or XML content)")},
        )
    expected, content_type = ALLOWED_TYPES[ext]
    if found.kind != expected:
        raise ValidationError(_("The file's content does not match its name."), code="mismatch")
    if found.kind == "text":
        content_type = f"{content_type}; charset={found.encoding}"
    return content_type, name


def _allowed() -> str:
    return ", ".join(sorted(ALLOWED_TYPES))


def store_attachment(*, issue, uploaded_file, user, update=None) -> Attachment:
    """Validate ``uploaded_file`` and save it as an attachment of ``issue``.

    Raises ``ValidationError`` (nothing written) if the file is refused. The caller has
    checked that ``user`` may add files to ``issue`` and runs this inside its transaction,
    wrapped in ``files_removed_on_rollback()``: if the database write fails here the file is
    removed at once, and if the caller's transaction fails later, when it does.
    """
    content_type, name = validate_upload(uploaded_file)
    storage_key = f"{secrets.token_hex(16)}.{extension(name)}"
    attachment = Attachment(
        issue=issue,
        update=update,
        storage_key=storage_key,
        original_name=name,
        content_type=content_type,
        size=uploaded_file.size,
        uploaded_by=user,
    )
    # upload_to (issues.models.attachment_path) builds the path from storage_key alone.
    attachment.file.save(storage_key, uploaded_file, save=False)
    stored = _stored_in_transaction.get()
    if stored is not None:
        stored.append(attachment.file.name)
    try:
        attachment.save()
    except BaseException:
        attachment.file.delete(save=False)
        raise
    return attachment


def copy_attachment(*, issue, source, name: str, user, update=None) -> Attachment:
    """Attach to ``issue`` a copy of a file stored elsewhere (``source``, a stored file such
    as a concern's, roundtable/meetings), under a new name and checked again as an upload
    is; the same transaction rules as ``store_attachment``. The original stays where it is."""
    with source.open("rb"):
        return store_attachment(
            issue=issue, uploaded_file=File(source.file, name=name), user=user, update=update
        )


def stored_in_transaction(name: str) -> None:
    """Have the innermost ``files_removed_on_rollback()`` block delete the file ``name`` if
    its transaction fails (for files stored by other apps, such as a concern's)."""
    stored = _stored_in_transaction.get()
    if stored is not None:
        stored.append(name)


# The files stored inside the innermost files_removed_on_rollback() block.
_stored_in_transaction: ContextVar[list[str] | None] = ContextVar("stored_files", default=None)


@contextmanager
def files_removed_on_rollback() -> Iterator[None]:
    """Around a transaction that stores attachments: if an exception leaves the block (the
    transaction rolled back, or its commit failed), the files stored in it are deleted, so
    that no file is left without its row. Put it outside ``transaction.atomic()``::

        with files_removed_on_rollback(), transaction.atomic():
            store_attachment(...)
    """
    stored: list[str] = []
    token = _stored_in_transaction.set(stored)
    try:
        yield
    except BaseException:
        for name in stored:
            try:
                default_storage.delete(name)
            except OSError:
                logger.warning("could not delete %s after a rollback", name, exc_info=True)
        raise
    finally:
        _stored_in_transaction.reset(token)


ATTACHMENTS_DIR = "attachments"


def _stored_files(folder: str) -> Iterator[str]:
    try:
        folders, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield posixpath.join(folder, name)
    for sub in sorted(folders):
        yield from _stored_files(posixpath.join(folder, sub))


def orphan_files_sweep(*, now: datetime | None = None, batch_size: int = 1000) -> list[str]:
    """Delete files under MEDIA_ROOT/attachments/ that no Attachment row names and that are
    older than ORPHAN_FILE_MIN_AGE_HOURS (a younger one may belong to a transaction still
    under way). Returns the names deleted. Files elsewhere in MEDIA_ROOT are left alone."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.ORPHAN_FILE_MIN_AGE_HOURS)
    deleted: list[str] = []
    batch: list[str] = []

    def settle(names: list[str]) -> None:
        known = set(Attachment.objects.filter(file__in=names).values_list("file", flat=True))
        for name in names:
            if name in known:
                continue
            try:
                if default_storage.get_modified_time(name) >= cutoff:
                    continue
                default_storage.delete(name)
            except FileNotFoundError:
                continue
            deleted.append(name)

    for name in _stored_files(ATTACHMENTS_DIR):
        batch.append(name)
        if len(batch) >= batch_size:
            settle(batch)
            batch = []
    if batch:
        settle(batch)
    if deleted:
        logger.info("deleted %d orphaned attachment files", len(deleted))
    return deleted


def attachment_response(attachment: Attachment) -> HttpResponse:
    """The file as a download, never displayed inline, whatever its type. 404 if the file
    has gone from the disk (a restored database without its media, say), not a 500. With
    DOWNLOADS_VIA_NGINX, nginx sends it (``roundtable.lib.downloads.nginx_file_response``)."""
    path = _local_path(attachment)
    uri = nginx_uri(path) if path is not None else None
    if uri is not None:
        if not path.is_file():
            raise Http404
        response = nginx_file_response(
            uri, filename=attachment.original_name, content_type=attachment.content_type
        )
    else:
        try:
            fileobj = attachment.file.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(
            fileobj,
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type,
        )
        response["Content-Disposition"] = content_disposition(attachment.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'; sandbox"
    return response


def _local_path(attachment: Attachment) -> Path | None:
    """The file's path on this host's disk, or None for a storage without one."""
    try:
        return Path(attachment.file.path)
    except NotImplementedError:
        return None
