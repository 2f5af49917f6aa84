# ruff: noqa: E501 - the package parts are fixed XML, clearer unwrapped
"""A small streaming xlsx writer: sheets with column widths, bold rows (a header row can be
frozen), text as inline strings and dates as real date cells.

openpyxl's write-only mode builds a cell object per value and took most of the time of a
100,000-row ledger export; this writes the sheet's XML directly into a deflated zip member,
row by row, so time and memory grow only with the file. Text is always an inline string,
never a formula, whatever it starts with.
"""

import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from xml.sax.saxutils import escape

_EPOCH = date(1899, 12, 30)
_EPOCH_DT = datetime(1899, 12, 30)  # noqa: DTZ001 - spreadsheet serials are naive local time

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


# Style 0: plain; 1: bold (header); 2: date yyyy-mm-dd; 3: date and time.
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs><cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>"
    "</styleSheet>"
)  # fmt: skip


def column_letter(index: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class Bold(tuple):
    """A row written in bold: ``Bold(["Heading", 3])``."""


@dataclass
class Sheet:
    """One worksheet: ``rows`` are sequences of values (``Bold`` for a bold row), read once
    as they are written; ``freeze_header`` keeps the first row in view."""

    title: str
    widths: Sequence[float]
    rows: Iterable[Sequence]
    freeze_header: bool = False


def _cell(ref: str, value, clean, bold: bool = False) -> str:
    if value is None or value == "":
        return ""
    style = ' s="1"' if bold else ""
    if isinstance(value, bool):
        return f'<c r="{ref}"{style} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, datetime):
        # Excel's serial dates count days from 1899-12-30, in local (naive) time.
        delta = value.replace(tzinfo=None) - _EPOCH_DT
        serial = delta.days + delta.seconds / 86400
        return f'<c r="{ref}" s="3"><v>{serial:.6f}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}" s="2"><v>{(value - _EPOCH).days}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"{style}><v>{value}</v></c>'
    text = escape(clean(str(value)))
    return f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def write_workbook(out, sheets: Sequence[Sheet], *, clean=lambda text: text) -> None:
    """Write ``sheets`` to the binary file ``out``, each sheet's rows streamed into its
    deflated zip member."""
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=5) as zf:
        zf.writestr("[Content_Types].xml", _content_types(len(sheets)))
        zf.writestr("_rels/.rels", _ROOT_RELS)
        zf.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(len(sheets)))
        zf.writestr("xl/styles.xml", _STYLES)
        names = "".join(
            f'<sheet name="{escape(sheet.title, {chr(34): "&quot;"})}" sheetId="{n}" '
            f'r:id="rId{n}"/>'
            for n, sheet in enumerate(sheets, 1)
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
                _write_sheet(member, sheet, clean)


def _write_sheet(member, sheet: Sheet, clean) -> None:
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
            _cell(f"{letters[i]}{number}", value, clean, bold) for i, value in enumerate(row)
        )
        buffer.append(f'<row r="{number}">{cells}</row>')
        if len(buffer) >= 500:
            member.write("".join(buffer).encode())
            buffer.clear()
    member.write(("".join(buffer) + "</sheetData></worksheet>").encode())
