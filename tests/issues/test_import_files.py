"""Reading an uploaded ledger (issues/imports/reading.py) and recognising its columns: the
encodings Excel writes, hostile files refused with a clear message, formulas never trusted."""

import io
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from issues.imports.columns import guess_mapping
from issues.imports.reading import Formula, ImportFileError, read_table
from roundtable.jobs.models import Job
from tests.issues import import_sample


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


HEADER = "序号,企业名称,统一社会信用代码,反映问题,牵头单位,办理时限,提出日期\n"
ROW = "1,重庆测试有限公司,,用地问题,区商务委,2026-03-31,2026-03-02\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_a_csv_file_is_read_in_the_encodings_excel_writes(encoding):
    table = read_table((HEADER + ROW).encode(encoding), "台账.csv")
    assert table.header[1] == "企业名称"
    assert table.rows == [
        (2, ["1", "重庆测试有限公司", "", "用地问题", "区商务委", "2026-03-31", "2026-03-02"])
    ]


def test_a_semicolon_separated_csv_is_read():
    table = read_table((HEADER + ROW).replace(",", ";").encode(), "ledger.csv")
    assert table.rows[0][1][3] == "用地问题"


def test_headers_are_recognised_in_chinese_english_and_synonyms():
    headers = ["No.", " Enterprise name ", "信用代码", "企业诉求*", "责任单位（必填）", "协办单位"]
    headers += ["Deadline", "办理情况", "是否办结", "满意度", "登记日期", "渠道", "备注"]
    mapping = guess_mapping(headers)
    assert mapping == {
        "number": 0, "enterprise_name": 1, "credit_code": 2, "title": 3, "lead_department": 4,
        "co_departments": 5, "deadline": 6, "progress": 7, "conclusion": 8, "satisfaction": 9,
        "raised_on": 10, "source": 11,
    }  # fmt: skip


def test_a_file_larger_than_the_limit_is_refused(settings):
    settings.IMPORT_MAX_BYTES = 1000
    with pytest.raises(ImportFileError, match="larger than"):
        read_table((HEADER + ROW * 50).encode(), "ledger.csv")


def test_a_file_with_more_rows_than_the_limit_is_refused_not_cut(settings):
    settings.IMPORT_MAX_ROWS = 10
    with pytest.raises(ImportFileError, match="more than 10 rows"):
        read_table((HEADER + ROW * 11).encode(), "ledger.csv")
    assert len(read_table((HEADER + ROW * 10).encode(), "ledger.csv").rows) == 10


def _workbook(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_formula_is_reported_not_evaluated():
    data = _workbook([["反映问题", "提出日期"], ['=HYPERLINK("http://evil","x")', "2026-03-02"]])
    table = read_table(data, "ledger.xlsx")
    assert table.rows[0][1][0] == Formula('=HYPERLINK("http://evil","x")')


def test_a_zip_bomb_is_refused_before_it_is_inflated():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<x/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (50 * 1024 * 1024))
    with pytest.raises(ImportFileError, match="unpacks to far more data"):
        read_table(out.getvalue(), "ledger.xlsx")


def test_a_file_that_is_not_a_workbook_is_refused():
    with pytest.raises(ImportFileError, match="not an Excel workbook"):
        read_table(b"PK\x03\x04 not really", "ledger.xlsx")
    with pytest.raises(ImportFileError, match=r"\.xlsx"):
        read_table(b"%PDF-1.4", "ledger.pdf")


def test_a_csv_with_binary_data_is_refused():
    with pytest.raises(ImportFileError, match="binary"):
        read_table(b"a,b\n\x00\x01,2\n", "ledger.csv")


@pytest.mark.django_db
def test_a_refused_upload_says_why_and_keeps_nothing(client, staff, tmp_path):
    client.force_login(staff)
    response = client.post(
        reverse("issues:import"), {"file": SimpleUploadedFile("ledger.xlsx", b"not a zip")}
    )
    assert response.status_code == 400
    assert "not an Excel workbook" in response.content.decode()
    assert not (tmp_path / "media" / "imports").exists()


@pytest.mark.django_db
def test_the_template_workbook_reads_back_with_every_column_recognised(client, staff):
    client.force_login(staff)
    response = client.get(reverse("issues:import_template"))
    assert response.status_code == 200
    table = read_table(response.content, "template.xlsx")
    assert len(guess_mapping(table.header)) == len(table.header)
    client.post(reverse("accounts:set_language"), {"language": "zh-hans", "next": "/"})
    table = read_table(client.get(reverse("issues:import_template")).content, "template.xlsx")
    assert "企业名称" in table.header
    assert len(guess_mapping(table.header)) == len(table.header)


@pytest.mark.django_db
def test_staff_choose_the_columns_when_the_headers_are_not_recognised(client, staff):
    import_sample.build_world()
    name = import_sample.enterprise_names(1)[0]
    data = f"甲,乙,丙,丁\n{name},用地问题,2026-03-02,区商务委\n".encode()
    client.force_login(staff)
    response = client.post(reverse("issues:import"), {"file": SimpleUploadedFile("a.csv", data)})
    preview = response["Location"]
    page = client.get(preview)
    assert page.status_code == 200
    assert "0 rows will be imported" in page.content.decode()  # nothing recognised yet
    chosen = {"map": "1", "col_enterprise_name": "0", "col_title": "1", "col_raised_on": "2"}
    page = client.get(preview, chosen)
    assert page.status_code == 200
    assert "1 row will be imported" in page.content.decode()
    # The same column for two fields, or no column for a required one, is refused.
    refused = client.post(preview, {**chosen, "col_lead_department": "1"})
    assert refused.status_code == 400
    assert "already chosen for another field" in refused.content.decode()
    refused = client.post(preview, {"col_enterprise_name": "0"})
    assert refused.status_code == 400
    assert "Choose the column that holds this." in refused.content.decode()
    assert not Job.objects.exists()
    assert client.post(preview, chosen).status_code == 302
    assert Job.objects.get().params["mapping"] == {
        "enterprise_name": 0,
        "title": 1,
        "raised_on": 2,
    }
