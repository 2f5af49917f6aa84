"""The xlsx writer (issues/xlsx.py) exports any text: every part of the package is well-formed
XML 1.0, and every text reads back as it was written but for the replacements the writer's
docstring names (a lone surrogate becomes U+FFFD, CRLF and CR become LF, a cell is cut at
32,767 UTF-16 units).

openpyxl leaves the OOXML escapes ``_xHHHH_`` in cell text as written, where Excel and
LibreOffice decode them (tests/test_spreadsheets_in_libreoffice.py reads the same exports in
LibreOffice): ``shown`` decodes them as those programs do.
"""

import io
import re
import zipfile
from datetime import date
from xml.etree import ElementTree

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from issues.xlsx import Bold, Formatted, Sheet, sheet_titles, write_workbook

_ESCAPE = re.compile("_x([0-9A-Fa-f]{4})_")
_FORBIDDEN_IN_TITLES = set("[]:*?/\\")


def shown(value) -> str:
    """A cell's text as Excel and LibreOffice show it, from what openpyxl read."""
    if value is None:
        return ""
    return _ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), value)


def expected(text: str) -> str:
    """``text`` with the documented replacements: what a UTF-16 reader makes of surrogates
    (a pair is its character, a lone one U+FFFD), and line breaks as LF."""
    text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def written(sheets) -> bytes:
    out = io.BytesIO()
    write_workbook(out, sheets)
    data = out.getvalue()
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        for name in package.namelist():
            # expat, like every XML parser, refuses what XML 1.0 does not allow.
            ElementTree.fromstring(package.read(name))
    return data


# Arbitrary text, with the pieces that matter here made likely: escapes and near-escapes,
# line breaks, what XML cannot hold, surrogates, markup, formula starts, CJK and emoji.
HOSTILE = st.sampled_from(
    [
        "_x000D_", "_x005F_", "_x005f_x0041_", "_xFFFF_", "_x", "_", "_x12", "x000D_",
        "\r\n", "\r", "\n", "\t", "\ufffe", "\uffff", "\x00", "\x0b", "\x1f", "\x7f",
        "\ud800", "\udc00", "\ud83d", "\ude00", "&", "<", "]]>", '"', "'",
        "=", "+", "-", "@", "用地审批", "😀",
    ]
)  # fmt: skip
TEXT = st.lists(
    st.one_of(
        st.text(st.characters(exclude_categories=())),
        st.text(st.characters(categories=["Cc", "Cs", "Cn", "Co"])),
        st.from_regex(r"_x[0-9A-Fa-f]{4}_", fullmatch=True),
        HOSTILE,
    ),
    max_size=8,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(TEXT, min_size=1, max_size=4))
@example(texts=["before", "a\uffffb", "_x000D_", "after"])
@example(texts=["\ud83d\ude00", "\ud800", "x\r\ny\rz", "_x005F_x000D_"])
def test_any_text_is_well_formed_and_reads_back_as_written(texts):
    data = written([Sheet("Text", [10] * len(texts), [Bold(texts), texts, ["last"]])])
    sheet = load_workbook(io.BytesIO(data)).active
    for row in (1, 2):  # the bold header and a plain row
        cells = [sheet.cell(row=row, column=column + 1) for column in range(len(texts))]
        assert [shown(cell.value) for cell in cells] == [expected(text) for text in texts]
        assert all(cell.data_type == "s" for cell in cells if cell.value is not None)
    assert sheet.cell(row=3, column=1).value == "last"  # nothing after a hostile row is lost


# openpyxl measures the names before decoding their escapes (see ``shown``).
@pytest.mark.filterwarnings("ignore:Title is more than 31 characters")
@settings(max_examples=200, deadline=None)
@given(titles=st.lists(TEXT, min_size=1, max_size=5))
@example(titles=["Ledger", "ledger", "LEDGER", "History", "", "'quoted'", "a/b:c"])
@example(titles=["ab '", "' ' '", "x" * 30 + " '", "\u3000'a'\u3000"])
def test_any_sheet_titles_become_distinct_valid_sheet_names(titles):
    data = written([Sheet(title, [10], [[title]]) for title in titles])
    names = [shown(name) for name in load_workbook(io.BytesIO(data)).sheetnames]
    assert names == sheet_titles(titles)
    for name in names:
        assert 0 < len(name.encode("utf-16-le")) // 2 <= 31
        assert not set(name) & _FORBIDDEN_IN_TITLES
        assert name == name.strip() and not name.startswith("'") and not name.endswith("'")
        assert all(ch >= " " and not 0x7F <= ord(ch) <= 0x9F for ch in name)
        assert name.casefold() != "history"
    assert len({name.casefold() for name in names}) == len(names)


def test_a_valid_sheet_title_is_kept_as_it_is():
    titles = ["Summary", "部门", "List 2026-03-02", "Ledger (draft)", "x" * 31]
    assert sheet_titles(titles) == titles


def test_sheet_titles_are_cut_and_told_apart():
    assert sheet_titles(["Ledger: 2026/Q4 [draft]*?", "", "ledger  2026 Q4  draft", "History"]) == [
        "Ledger  2026 Q4  draft",
        "Sheet2",
        "ledger  2026 Q4  draft (2)",
        "History (2)",
    ]
    assert sheet_titles(["😀" * 20]) == ["😀" * 15]  # 30 UTF-16 units; a 16th would need 32


@settings(max_examples=100, deadline=None)
@given(number_format=TEXT.filter(lambda text: 0 < len(text) <= 100))
def test_any_number_format_gives_a_well_formed_stylesheet(number_format):
    data = written([Sheet("Numbers", [10], [[Formatted(1, number_format), 1]])])
    sheet = load_workbook(io.BytesIO(data)).active
    assert shown(sheet["A1"].number_format) == expected(number_format)
    assert sheet["B1"].value == 1


def test_a_cell_is_cut_at_excels_limit_never_inside_a_character():
    texts = ["a" * 40_000, "😀" * 20_000, "\r\n" * 40_000]
    data = written([Sheet("Long", [10, 10, 10], [texts])])
    cells = [shown(cell.value) for cell in load_workbook(io.BytesIO(data)).active[1]]
    assert cells == ["a" * 32_767, "😀" * 16_383, "\n" * 32_767]


def test_numbers_keep_their_format_and_dates_stay_dates():
    data = written(
        [
            Sheet(
                "Numbers",
                [10] * 5,
                [
                    Bold([Formatted(8, "+0;-0;0"), Formatted(None, "0"), date(2026, 3, 2)]),
                    [Formatted(-2.5, '+0.0" pts"'), Formatted(8, "+0;-0;0"), float("nan"), 3],
                ],
            )
        ]
    )
    sheet = load_workbook(io.BytesIO(data)).active
    assert (sheet["A1"].value, sheet["A1"].number_format, sheet["A1"].font.b) == (
        8,
        "+0;-0;0",
        True,
    )
    assert sheet["B1"].value is None
    assert sheet["C1"].is_date
    assert (sheet["A2"].value, sheet["A2"].number_format, sheet["A2"].font.b) == (
        -2.5,
        '+0.0" pts"',
        False,
    )
    assert sheet["B2"].number_format == "+0;-0;0" and not sheet["B2"].font.b
    assert sheet["C2"].value is None  # NaN: no spreadsheet stores one
    assert (sheet["D2"].value, sheet["D2"].number_format) == (3, "General")
