"""Download headers and single-range answers for files served by access-checked views.

``content_disposition`` names the file safely (RFC 6266/8187). ``ranged_file_response``
serves a file on disk with Content-Length, ETag, Last-Modified and ``Accept-Ranges: bytes``,
and answers one byte range (RFC 9110 §14): ``bytes=a-b``, ``bytes=a-`` or ``bytes=-n`` get a
206 with Content-Range, a range past the end a 416, and an ``If-Range`` that no longer matches
the file gets the whole file, so a resumed download never splices two versions together.

With ``DOWNLOADS_VIA_NGINX`` the view has checked access and ``file_response`` hands the file
to nginx instead (``X-Accel-Redirect`` to its internal location for MEDIA_ROOT): nginx sends
it, ranges and validators included, and no worker waits on a slow client.
"""

import os
import re
import unicodedata
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, HttpResponse
from django.utils.http import http_date, parse_http_date_safe

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def content_disposition(filename: str, *, disposition: str = "attachment") -> str:
    """An RFC 6266 header value: an ASCII ``filename`` for old clients and the exact name in
    ``filename*`` (RFC 8187), so ``报告 2026.pdf`` arrives intact and no quote, semicolon or
    line break in a user's file name can reach the header."""
    filename = "".join(
        ch for ch in str(filename) if unicodedata.category(ch) not in {"Cc", "Cf", "Zl", "Zp"}
    )
    fallback = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    fallback = re.sub(r"[^A-Za-z0-9._()\- ]+", "_", fallback)
    fallback = re.sub(r"\s+", " ", fallback).strip()
    if fallback.startswith("."):  # only the extension was ASCII: 报告.pdf
        fallback = "download" + fallback
    fallback = fallback.rstrip(" .") or "download"
    encoded = quote(filename if filename.strip(" .") else fallback, safe="")
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"


class Unsatisfiable(Exception):
    """The range starts past the end of the file (416)."""


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The first and last byte (inclusive) that ``header`` asks for, or None for the whole
    file: no header, a malformed one, or several ranges (which this server does not combine;
    RFC 9110 lets it answer those with the whole file). Raises ``Unsatisfiable``."""
    match = _RANGE.match((header or "").strip())
    if not match or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first == "":  # the last n bytes
        length = int(last)
        if length == 0 or size == 0:
            raise Unsatisfiable
        return max(0, size - length), size - 1
    start = int(first)
    if last != "" and int(last) < start:
        return None  # syntactically invalid: ignored
    if start >= size:
        raise Unsatisfiable
    end = size - 1 if last == "" else min(int(last), size - 1)
    return start, end


class _Slice:
    """``length`` bytes of an open file from its current position, for FileResponse."""

    def __init__(self, fileobj, length: int):
        self._file = fileobj
        self._left = length

    def read(self, size: int = -1) -> bytes:
        if self._left <= 0:
            return b""
        size = self._left if size is None or size < 0 else min(size, self._left)
        data = self._file.read(size)
        self._left -= len(data)
        return data

    def close(self) -> None:
        self._file.close()


def _validators(stat: os.stat_result) -> tuple[str, str]:
    return f'"{stat.st_size:x}-{stat.st_mtime_ns:x}"', http_date(stat.st_mtime)


def _if_range_matches(value: str | None, etag: str, mtime: float) -> bool:
    if value is None:
        return True
    value = value.strip()
    if value.startswith(('"', "W/")):
        return value == etag  # strong comparison: a weak tag never matches
    moment = parse_http_date_safe(value)
    return moment is not None and moment == int(mtime)


def nginx_uri(path: Path) -> str | None:
    """The internal nginx URI of ``path`` when nginx serves downloads and the file is under
    MEDIA_ROOT (the only folder its internal location maps), else None."""
    if not settings.DOWNLOADS_VIA_NGINX:
        return None
    try:
        relative = Path(path).resolve().relative_to(Path(settings.MEDIA_ROOT).resolve())
    except ValueError:
        return None
    return settings.DOWNLOADS_NGINX_LOCATION + quote(relative.as_posix())


def nginx_file_response(uri: str, *, filename: str, content_type: str) -> HttpResponse:
    """An empty answer that has nginx send the file at ``uri``. nginx keeps this response's
    Content-Type, Content-Disposition and Cache-Control and adds its own length, validators
    and ranges; deploy/nginx/roundtable.conf's internal location sets nosniff and the
    sandbox, which it does not pass on."""
    response = HttpResponse(content_type=content_type)
    response["X-Accel-Redirect"] = uri
    response["Content-Disposition"] = content_disposition(filename)
    return response


def ranged_file_response(request, path: Path, *, filename: str, content_type: str):
    """The file at ``path`` (which must exist), whole or the one range the request asks for;
    with DOWNLOADS_VIA_NGINX, nginx sends it and answers the range."""
    uri = nginx_uri(path)
    if uri is not None:
        return nginx_file_response(uri, filename=filename, content_type=content_type)
    stat = path.stat()
    size = stat.st_size
    etag, last_modified = _validators(stat)
    header = request.headers.get("Range")
    if header and not _if_range_matches(request.headers.get("If-Range"), etag, stat.st_mtime):
        header = None
    try:
        wanted = byte_range(header, size) if request.method == "GET" else None
    except Unsatisfiable:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        return response
    fileobj = path.open("rb")
    if wanted is None:
        # The file itself, so that the server may use sendfile (wsgi.file_wrapper).
        response = FileResponse(fileobj, content_type=content_type)
        response["Content-Length"] = str(size)
    else:
        start, end = wanted
        fileobj.seek(start)
        response = FileResponse(_Slice(fileobj, end - start + 1), content_type=content_type)
        response.status_code = 206
        response["Content-Length"] = str(end - start + 1)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Disposition"] = content_disposition(filename)
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    response["Last-Modified"] = last_modified
    return response
