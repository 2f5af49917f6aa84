"""The ledger export (台账导出) as xlsx or CSV, streamed so that memory stays flat.

``ledger_rows`` reads issues in chunks with a fixed number of queries per chunk; ``stream_xlsx``
and ``stream_csv`` turn rows into bytes. Neither checks access: the caller passes a queryset
already limited to what the user may see (``Issue.objects.visible_to(user)``), so that the
export has exactly the rows of the ledger page.

Text cells are neutralised against formula injection (CVE-2019-20002, OWASP "CSV injection"):
in xlsx every text cell is written as an inline string, never a formula, and keeps its text;
in CSV a cell starting with ``= + - @``, tab or CR gets a leading apostrophe.

Any stored text can be exported: issues/xlsx.py writes every text of a workbook through one
function (``xml_text``) that keeps it exact where xlsx can and says where it cannot; CSV
carries any text but lone surrogates, which become U+FFFD (roundtable/lib/text.py).
"""

import csv
import io
import itertools
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from itertools import islice

from django.db.models import OuterRef, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from issues.models import ActionUpdate, Assignment, Issue
from issues.xlsx import Bold, Sheet, write_workbook
from roundtable.lib.downloads import content_disposition  # noqa: F401 - imported from here
from roundtable.lib.i18n import bilingual, label_value, prefers_chinese
from roundtable.lib.text import well_formed

COLUMNS = [
    ("reference", _("Reference"), 16),
    ("enterprise", _("Enterprise"), 32),
    ("title", _("Title"), 40),
    ("category", _("Category"), 16),
    ("source", _("Source / meeting"), 28),
    ("lead_department", _("Lead department"), 22),
    ("co_departments", _("Co-handling departments"), 30),
    ("responsible_person", _("Responsible person"), 16),
    ("follow_up_requirement", _("Follow-up requirement"), 40),
    ("monitor", _("Monitor"), 16),
    ("deadline", _("Deadline"), 12),
    ("status", _("Status"), 18),
    ("latest_progress", _("Latest progress"), 50),
    ("concluded_on", _("Concluded on"), 12),
    ("satisfaction", _("Satisfaction"), 16),
]
COLUMN_KEYS = [key for key, _header, _width in COLUMNS]

CHUNK_BYTES = 64 * 1024
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
DATE_FORMAT = "yyyy-mm-dd"
# What spreadsheet programs read as the start of a formula (OWASP CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


# --- Rows ---------------------------------------------------------------------------------


def ledger_rows(queryset, *, chunk_size: int = 2000) -> Iterator[tuple]:
    """One tuple per issue of ``queryset``, in its order, with values in ``COLUMNS`` order.

    Text follows the language active when this is called (not when the rows are consumed,
    which for a streamed response is after the view has returned). Dates stay ``date``s.
    Queries: one for the ids (a chunked cursor), then two per chunk of ``chunk_size`` issues,
    however many assignments and updates each issue has.
    """
    language = translation.get_language()
    ids = queryset.values_list("pk", flat=True).iterator(chunk_size=chunk_size)
    return _ledger_rows(ids, chunk_size, language)


def _ledger_rows(ids: Iterator[int], chunk_size: int, language: str | None) -> Iterator[tuple]:
    while chunk := list(islice(ids, chunk_size)):
        with translation.override(language):
            yield from _chunk_rows(chunk)


_PERSON = ("full_name", "first_name", "last_name", "username")  # what User.__str__ reads


def _person(row: dict, relation: str) -> str:
    """``str(user)`` (accounts.User.__str__) from the values of ``relation``'s columns."""
    if row[f"{relation}__username"] is None:
        return ""
    full = row[f"{relation}__full_name"]
    given = f"{row[f'{relation}__first_name']} {row[f'{relation}__last_name']}".strip()
    return full or given or row[f"{relation}__username"]


def _chunk_rows(ids: list[int]) -> list[tuple]:
    """The rows of one chunk, from plain values: a 100,000-row export would otherwise build
    half a million model instances, which was most of its time."""
    latest_progress = (
        ActionUpdate.objects.filter(issue=OuterRef("pk"), kind=ActionUpdate.Kind.PROGRESS)
        .order_by("-created_at", "-id")
        .values("body")[:1]
    )
    issues = {
        row["pk"]: row
        for row in Issue.objects.filter(pk__in=ids)
        .annotate(latest_progress=Subquery(latest_progress))
        .order_by()
        .values(
            *("pk", "reference", "title", "source", "follow_up_requirement", "deadline"),
            *("status", "concluded_on", "satisfaction", "latest_progress"),
            *("enterprise__name_zh", "enterprise__name_en"),
            *("category__name_zh", "category__name_en"),
            *("meeting__starts_at", "meeting__topic"),
            *(f"monitor__{name}" for name in _PERSON),
        )
    }
    leads = {}
    co_handlers = defaultdict(list)
    for assignment in (
        Assignment.objects.current()
        .filter(issue_id__in=ids)
        .order_by("issue_id", "id")
        .values(
            "issue_id",
            "role",
            "department__name_zh",
            "department__name_en",
            *(f"responsible_person__{name}" for name in _PERSON),
        )
    ):
        if assignment["role"] == Assignment.Role.LEAD:
            leads[assignment["issue_id"]] = assignment
        else:
            co_handlers[assignment["issue_id"]].append(assignment)

    # Translated once per chunk: get_FOO_display() translates every label on every call.
    sources = {value: str(label) for value, label in Issue.Source.choices}
    statuses = {value: str(label) for value, label in Issue.Status.choices}
    satisfactions = {value: str(label) for value, label in Issue.Satisfaction.choices}
    chinese = prefers_chinese()
    separator = "、" if chinese else "; "

    def name(row: dict, relation: str) -> str:
        return bilingual(row[f"{relation}__name_zh"], row[f"{relation}__name_en"], chinese=chinese)

    rows = []
    for pk in ids:
        issue = issues.get(pk)
        if issue is None:  # deleted between the id query and this chunk
            continue
        lead = leads.get(pk)
        source = sources.get(issue["source"], issue["source"])
        if issue["meeting__starts_at"] is not None:  # Meeting.__str__
            day = timezone.localtime(issue["meeting__starts_at"])
            source = label_value(source, f"{day:%Y-%m-%d} {issue['meeting__topic']}")
        rows.append(
            (
                issue["reference"],
                name(issue, "enterprise"),
                issue["title"],
                name(issue, "category"),
                source,
                name(lead, "department") if lead else "",
                separator.join(name(a, "department") for a in co_handlers.get(pk, [])),
                _person(lead, "responsible_person") if lead else "",
                issue["follow_up_requirement"],
                _person(issue, "monitor"),
                issue["deadline"],
                statuses.get(issue["status"], issue["status"]),
                issue["latest_progress"] or "",
                issue["concluded_on"],
                satisfactions.get(issue["satisfaction"], ""),
            )
        )
    return rows


def _headers(columns) -> list[str]:
    return [str(header) for _key, header, _width in columns]


# --- xlsx ---------------------------------------------------------------------------------


class FileChunks:
    """Iterates over an open file in 64 KiB pieces and closes it at the end, or when the
    response is closed early (Django calls ``close()`` on a streaming response's content,
    even if it was never iterated). ``size`` suits a Content-Length header."""

    def __init__(self, fileobj, *, chunk_bytes: int = CHUNK_BYTES):
        self._file = fileobj
        self._chunk_bytes = chunk_bytes
        fileobj.seek(0, io.SEEK_END)
        self.size = fileobj.tell()
        fileobj.seek(0)

    def __iter__(self):
        return self

    def __next__(self) -> bytes:
        if self._file.closed:
            raise StopIteration
        data = self._file.read(self._chunk_bytes)
        if not data:
            self.close()
            raise StopIteration
        return data

    def close(self) -> None:
        self._file.close()


def stream_xlsx(rows: Iterable[tuple], *, title: str, columns=COLUMNS) -> FileChunks:
    """Write ``rows`` to an xlsx file on disk and return its bytes as an iterator.

    The workbook is built now, in the caller's language and inside the request, so that an
    error is an ordinary 500 rather than a truncated download. The file is an anonymous
    temporary file, gone from the disk once closed (or if the process dies). Text cells are
    inline strings, never formulas (issues/xlsx.py).
    """
    return write_xlsx_file([ledger_sheet(rows, title=title, columns=columns)])


def ledger_sheet(rows: Iterable[tuple], *, title: str, columns=COLUMNS) -> Sheet:
    """Ledger rows as a worksheet: a bold, frozen header, then ``rows`` in local time."""
    return Sheet(
        title,
        [width for _key, _header, width in columns],
        itertools.chain([Bold(_headers(columns))], (localised(row) for row in rows)),
        freeze_header=True,
    )


def write_xlsx_file(sheets: list[Sheet]) -> FileChunks:
    """``sheets`` written to an anonymous temporary file, returned as 64 KiB pieces. Text
    cells read back as written and are never formulas (issues/xlsx.py)."""
    out = tempfile.TemporaryFile(prefix="roundtable-", suffix=".xlsx")
    try:
        write_workbook(out, sheets)
    except BaseException:
        out.close()
        raise
    return FileChunks(out)


def localised(row):
    """The row with its moments in local time, as a spreadsheet shows them."""
    return [timezone.localtime(v) if isinstance(v, datetime) and v.tzinfo else v for v in row]


# --- CSV ----------------------------------------------------------------------------------


def stream_csv(rows: Iterable[tuple], *, columns=COLUMNS) -> Iterator[bytes]:
    """UTF-8 CSV with a byte-order mark (so that Excel reads Chinese), header first, in
    pieces of about 64 KiB. Lazy: the rows are read while the response is sent. Headers
    follow the language active now."""
    return _csv_chunks(rows, _headers(columns))


def _csv_chunks(rows: Iterable[tuple], header: list[str]) -> Iterator[bytes]:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    # Every field quoted, as OWASP advises alongside the apostrophe.
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_value(value) for value in row])
        if buffer.tell() >= CHUNK_BYTES:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value.tzinfo else str(value)
    if isinstance(value, date):
        return value.isoformat()
    text = well_formed(str(value))
    if isinstance(value, str) and text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


# --- Download headers ---------------------------------------------------------------------


def export_filename(prefix: str, ext: str) -> str:
    """``ledger-2026-11-25.xlsx``: the prefix and today's date in the site's time zone."""
    return f"{prefix}-{timezone.localdate():%Y-%m-%d}.{ext}"
