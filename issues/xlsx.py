# ruff: noqa: E501 - the package parts are fixed XML, clearer unwrapped
"""A small streaming xlsx writer: sheets with column widths, bold rows (a header row can be
frozen), text as inline strings, dates as real date cells and numbers with a number format.

openpyxl's write-only mode builds a cell object per value and took most of the time of a
100,000-row ledger export; this writes the sheet's XML directly into a deflated zip member,
row by row, so time and memory grow only with the file. Text is always an inline string,
never a formula, whatever it starts with.

Any text, as stored, gives a well-formed file that reads back as that text. Every string
the writer puts in the package (cells, headers, sheet names, number formats) goes through
``xml_text``, which follows the escaping of ECMA-376 Part 1 (ST_Xstring) that Excel and
LibreOffice decode:

- a literal ``_xHHHH_`` in the text is written ``_x005F_xHHHH_`` (an escaped underscore), or
  a reader would decode it: ``_x000D_`` would come back as a carriage return;
- the characters XML 1.0 cannot hold (C0 controls but tab, LF and CR; U+FFFE; U+FFFF) are
  written as ``_xHHHH_`` and come back as themselves; written raw, they make the whole sheet
  ill-formed (openpyxl refuses the file, LibreOffice drops every row from there on);
- what cannot be represented at all is replaced, and only that: a lone surrogate (no UTF-8
  or UTF-16 text can hold one) becomes U+FFFD;
- line breaks become LF, the in-cell line break of Excel's Alt+Enter, so text typed in a
  browser (CRLF) shows one break in every program; an XML reader would turn a raw CR into
  LF anyway;
- text longer than a cell may hold (32,767 UTF-16 units, Excel's limit) is cut there.

openpyxl, unlike Excel and LibreOffice, does not decode these escapes in cell text: it reads
``_x005F_x000D_`` and ``_xFFFF_`` as they are written (tests/issues/test_xlsx.py decodes).
"""

import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from roundtable.lib.text import well_formed

_EPOCH = date(1899, 12, 30)
_EPOCH_DT = datetime(1899, 12, 30)  # noqa: DTZ001 - spreadsheet serials are naive local time

MAX_CELL_UNITS = 32_767  # Excel: characters (UTF-16 units) in a cell
MAX_SHEET_TITLE = 31  # Excel: characters in a sheet name

_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)  # fmt: skip


def _content_types(count: int) -> str:
    sheets = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for n in range(1, count + 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        f"{sheets}"
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        "</Types>"
    )  # fmt: skip


def _workbook_rels(count: int) -> str:
    sheets = "".join(
        f'<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, count + 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f"{sheets}"
        f'<Relationship Id="rId{count + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
        "</Relationships>"
    )  # fmt: skip


# --- Text ---------------------------------------------------------------------------------

# What needs more than a look: markup, an underscore (maybe a literal escape), CR, the
# characters XML cannot hold, surrogates.
_ATTENTION = re.compile("[&<>_\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# What is written as _xHHHH_: the underscore that starts a literal escape, and what XML 1.0
# cannot hold.
_ESCAPED = re.compile("_(?=x[0-9A-Fa-f]{4}_)|[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _escape(match: re.Match) -> str:
    return f"_x{ord(match.group()):04X}_"


def _cut(text: str, units: int) -> str:
    """``text`` cut to at most ``units`` UTF-16 code units (what Excel counts), never inside
    a surrogate pair. ``text`` holds no lone surrogate."""
    if len(text) <= units // 2:
        return text
    encoded = text.encode("utf-16-le")
    if len(encoded) <= 2 * units:
        return text
    return encoded[: 2 * units].decode("utf-16-le", "ignore")


def xml_text(text: str, *, limit: int = MAX_CELL_UNITS) -> str:
    """``text`` as the content of an XML element of the package, read back by Excel and
    LibreOffice as ``text`` itself, but for the replacements of the module's docstring
    (lone surrogates, line breaks, the cut at ``limit`` UTF-16 units)."""
    if _ATTENTION.search(text) is None:
        return _cut(text, limit)
    text = well_formed(text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ESCAPED.sub(_escape, _cut(text, limit))
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def xml_attribute(text: str, *, limit: int = MAX_CELL_UNITS) -> str:
    """``xml_text`` for a double-quoted attribute value, where a parser would turn a raw tab
    or line break into a space."""
    text = xml_text(text, limit=limit)
    return text.replace('"', "&quot;").replace("\t", "&#9;").replace("\n", "&#10;")


_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_TITLE_DROPPED = re.compile("[\x00-\x1f\x7f-\x9f\ufffe\uffff]")


def _trimmed(name: str) -> str:
    """Without spaces or apostrophes at either end."""
    while name != (trimmed := name.strip().strip("'")):
        name = trimmed
    return name


def sheet_titles(titles: Iterable[str]) -> list[str]:
    """Sheet names Excel accepts, one per title: none of ``[]:*?/\\`` (each becomes a space)
    nor a control character, no apostrophe at either end, at most 31 characters, not blank
    (``Sheet<n>`` instead), not Excel's reserved "History", and no two equal ignoring case
    (a later one gets " (2)", " (3)"…)."""
    names: list[str] = []
    taken = {"history"}
    for number, title in enumerate(titles, 1):
        name = _TITLE_FORBIDDEN.sub(" ", _TITLE_DROPPED.sub("", well_formed(str(title))))
        name = _trimmed(_cut(_trimmed(name), MAX_SHEET_TITLE)) or f"Sheet{number}"
        candidate, copy = name, 1
        while candidate.casefold() in taken:
            copy += 1
            suffix = f" ({copy})"
            candidate = _cut(name, MAX_SHEET_TITLE - len(suffix)).rstrip() + suffix
        taken.add(candidate.casefold())
        names.append(candidate)
    return names


# --- Styles -------------------------------------------------------------------------------

_DATE_STYLE, _DATETIME_STYLE = 2, 3


class _Styles:
    """The workbook's cell formats: 0 plain, 1 bold (a header), 2 a date, 3 a date and time,
    then one for each number format (bold or not) that a ``Formatted`` cell asks for. Written
    after the sheets, once every format is known."""

    def __init__(self):
        self._formats: dict[str, int] = {"yyyy-mm-dd": 164, "yyyy-mm-dd hh:mm": 165}
        self._xfs: dict[tuple[int, bool], int] = {
            (0, False): 0,
            (0, True): 1,
            (164, False): _DATE_STYLE,
            (165, False): _DATETIME_STYLE,
        }

    def index(self, number_format: str, bold: bool) -> int:
        format_id = self._formats.setdefault(number_format, 164 + len(self._formats))
        return self._xfs.setdefault((format_id, bold), len(self._xfs))

    def xml(self) -> str:
        formats = "".join(
            f'<numFmt numFmtId="{format_id}" formatCode="{xml_attribute(code, limit=255)}"/>'
            for code, format_id in self._formats.items()
        )
        xfs = "".join(
            f'<xf numFmtId="{format_id}" fontId="{int(bold)}" fillId="0" borderId="0" xfId="0"'
            + (' applyNumberFormat="1"' if format_id else "")
            + (' applyFont="1"' if bold else "")
            + "/>"
            for format_id, bold in self._xfs
        )
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'<numFmts count="{len(self._formats)}">{formats}</numFmts>'
            '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
            '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            f'<cellXfs count="{len(self._xfs)}">{xfs}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            "</styleSheet>"
        )  # fmt: skip


# --- Sheets and cells ---------------------------------------------------------------------


def column_letter(index: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class Bold(tuple):
    """A row written in bold: ``Bold(["Heading", 3])``."""


@dataclass(frozen=True, slots=True)
class Formatted:
    """A number shown through an Excel number format, ``Formatted(-3, '+0;-0;0')``: a
    spreadsheet computes with the number and shows it formatted. ``None`` is an empty cell."""

    value: int | float | None
    number_format: str


@dataclass
class Sheet:
    """One worksheet: ``rows`` are sequences of values (``Bold`` for a bold row), read once
    as they are written; ``freeze_header`` keeps the first row in view. The title is made a
    valid sheet name (``sheet_titles``)."""

    title: str
    widths: Sequence[float]
    rows: Iterable[Sequence]
    freeze_header: bool = False


def _number(value) -> str | None:
    """The number as an xsd:double; NaN and infinities, which no spreadsheet stores, as
    None (an empty cell)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return str(value)


def _cell(ref: str, value, bold: bool, styles: _Styles) -> str:
    if value is None or value == "":
        return ""
    style = ' s="1"' if bold else ""
    if isinstance(value, str):
        return (
            f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">'
            f"{xml_text(value)}</t></is></c>"
        )
    if isinstance(value, bool):
        return f'<c r="{ref}"{style} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, datetime):
        # Excel's serial dates count days from 1899-12-30, in local (naive) time.
        delta = value.replace(tzinfo=None) - _EPOCH_DT
        serial = delta.days + delta.seconds / 86400
        return f'<c r="{ref}" s="{_DATETIME_STYLE}"><v>{serial:.6f}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}" s="{_DATE_STYLE}"><v>{(value - _EPOCH).days}</v></c>'
    if isinstance(value, Formatted):
        number = _number(value.value)
        if number is None:
            return ""
        return f'<c r="{ref}" s="{styles.index(value.number_format, bold)}"><v>{number}</v></c>'
    if isinstance(value, int | float):
        number = _number(value)
        return f'<c r="{ref}"{style}><v>{number}</v></c>' if number is not None else ""
    return _cell(ref, str(value), bold, styles)


def write_workbook(out, sheets: Sequence[Sheet]) -> None:
    """Write ``sheets`` to the binary file ``out``, each sheet's rows streamed into its
    deflated zip member."""
    styles = _Styles()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=5) as zf:
        zf.writestr("[Content_Types].xml", _content_types(len(sheets)))
        zf.writestr("_rels/.rels", _ROOT_RELS)
        zf.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(len(sheets)))
        names = "".join(
            f'<sheet name="{xml_attribute(title)}" sheetId="{n}" r:id="rId{n}"/>'
            for n, title in enumerate(sheet_titles(sheet.title for sheet in sheets), 1)
        )
        zf.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f"<sheets>{names}</sheets></workbook>",
        )
        for n, sheet in enumerate(sheets, 1):
            with zf.open(f"xl/worksheets/sheet{n}.xml", "w", force_zip64=True) as member:
                _write_sheet(member, sheet, styles)
        zf.writestr("xl/styles.xml", styles.xml())


def _write_sheet(member, sheet: Sheet, styles: _Styles) -> None:
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
        for i, w in enumerate(sheet.widths, 1)
    )
    view = (
        '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
        'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
        if sheet.freeze_header
        else ""
    )
    member.write(
        (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f"{view}<cols>{cols}</cols><sheetData>"
        ).encode()
    )
    letters: list[str] = []
    buffer = []
    for number, row in enumerate(sheet.rows, 1):
        while len(letters) < len(row):
            letters.append(column_letter(len(letters) + 1))
        bold = isinstance(row, Bold)
        cells = "".join(
            _cell(f"{letters[i]}{number}", value, bold, styles) for i, value in enumerate(row)
        )
        buffer.append(f'<row r="{number}">{cells}</row>')
        if len(buffer) >= 500:
            member.write("".join(buffer).encode())
            buffer.clear()
    member.write(("".join(buffer) + "</sheetData></worksheet>").encode())
