"""An uploaded ledger as rows of cells, read within limits a hostile file cannot get round.

- The file: at most IMPORT_MAX_BYTES, checked before it is opened.
- A workbook is a zip: its members' declared sizes add up to at most IMPORT_MAX_UNZIPPED_BYTES
  and each is compressed at most ``MAX_RATIO`` times (a zip bomb is refused before anything
  is inflated); openpyxl then reads it in read-only mode, a row at a time, the first sheet only.
- At most IMPORT_MAX_ROWS rows (more is refused, not cut) and ``MAX_COLUMNS`` columns.
- A formula is never evaluated and its cached result never trusted: the cell is a ``Formula``,
  which the check reports on its cell.
- A CSV file is UTF-8 (with or without a byte-order mark, as Excel writes it) or GB 18030 (GBK's
  superset, as older Chinese Excel writes it); comma, semicolon or tab separated.
"""

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.utils.translation import gettext as _

MAX_COLUMNS = 60
MAX_RATIO = 200
MAX_MEMBERS = 500


class ImportFileError(Exception):
    """The file cannot be read as a ledger; ``str(exc)`` says why, for the user."""


@dataclass(frozen=True)
class Formula:
    text: str

    def __str__(self) -> str:
        return self.text


@dataclass
class Table:
    header: list[str]
    rows: list[tuple[int, list]]  # (row number in the file, cells), empty rows left out


def read_table(data: bytes, filename: str) -> Table:
    """The first sheet of a .xlsx file, or a .csv file, as its header row and data rows."""
    if len(data) > settings.IMPORT_MAX_BYTES:
        raise ImportFileError(
            _("The file is larger than %(mb)d MB; split it into several files.")
            % {"mb": settings.IMPORT_MAX_BYTES // (1024 * 1024)}
        )
    name = filename.lower()
    if name.endswith(".xlsx"):
        rows = _xlsx_rows(data)
    elif name.endswith(".csv"):
        rows = _csv_rows(data)
    else:
        raise ImportFileError(_("Upload an Excel workbook (.xlsx) or a CSV file (.csv)."))
    return _table(rows)


def _table(rows) -> Table:
    header = None
    body: list[tuple[int, list]] = []
    for number, cells in rows:
        cells = list(cells[:MAX_COLUMNS])
        while cells and _blank(cells[-1]):
            cells.pop()  # read-only openpyxl pads a sheet without dimensions with empty cells
        if not cells:
            continue
        if header is None:
            header = ["" if c is None else str(c).strip() for c in cells]
            continue
        if len(body) >= settings.IMPORT_MAX_ROWS:
            raise ImportFileError(
                _("The file has more than %(max)d rows; split it into several files.")
                % {"max": settings.IMPORT_MAX_ROWS}
            )
        body.append((number, cells))
    if header is None:
        raise ImportFileError(_("The file is empty."))
    return Table(header=header, rows=body)


def _blank(cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _check_zip(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise ImportFileError(
            _("This is not an Excel workbook (.xlsx) that can be read.")
        ) from error
    members = archive.infolist()
    total = sum(member.file_size for member in members)
    if (
        len(members) > MAX_MEMBERS
        or total > settings.IMPORT_MAX_UNZIPPED_BYTES
        or any(m.file_size > MAX_RATIO * max(m.compress_size, 1) for m in members)
    ):
        raise ImportFileError(
            _("The workbook unpacks to far more data than a ledger holds; it is refused.")
        )


def _xlsx_rows(data: bytes):
    _check_zip(data)
    import openpyxl  # only for an import: the exports write workbooks without it

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise ImportFileError(
            _("This is not an Excel workbook (.xlsx) that can be read.")
        ) from error
    try:
        sheet = book.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS), start=1):
            yield number, [_xlsx_value(cell) for cell in row]
    finally:
        book.close()


def _xlsx_value(cell):
    value = getattr(cell, "value", None)
    if getattr(cell, "data_type", None) == "f" or (
        isinstance(value, str) and value.startswith("=") and len(value) > 1
    ):
        return Formula(str(value))
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, datetime | date | int | float) or value is None:
        return value
    return str(value)


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(_("The CSV file is neither UTF-8 nor GBK text."))  # pragma: no cover


def _csv_rows(data: bytes):
    text = _decode(data)
    if "\x00" in text:
        raise ImportFileError(_("The CSV file holds binary data; save it as CSV text again."))
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        yield from enumerate(reader, start=1)
    except csv.Error as error:
        raise ImportFileError(
            _("The CSV file cannot be read: %(error)s") % {"error": error}
        ) from error
