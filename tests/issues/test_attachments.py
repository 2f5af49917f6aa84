import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from issues.attachments import (
    attachment_response,
    display_name,
    sniff,
    store_attachment,
    validate_upload,
)
from issues.models import Attachment

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 20
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20
GIF = b"GIF89a\x01\x00\x01\x00" + b"\x00" * 20
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 20
ZIP = b"PK\x03\x04\x14\x00\x00\x00" + b"\x00" * 40
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 40
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
SVG_WITH_PROLOG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>'
STORED_PATH = re.compile(r"attachments/\d{4}/\d{2}/[0-9a-f]{32}\.(\w+)")


def _refusal(upload) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validate_upload(upload)
    return caught.value


def _stored_files(settings):
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("report.pdf", PDF, "application/pdf"),
        ("photo.PNG", PNG, "image/png"),
        ("photo.jpg", JPEG, "image/jpeg"),
        ("photo.jpeg", JPEG, "image/jpeg"),
        ("anim.gif", GIF, "image/gif"),
        ("photo.webp", WEBP, "image/webp"),
        (
            "minutes.docx",
            ZIP,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("ledger.xlsx", ZIP, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (
            "slides.pptx",
            ZIP,
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        ("bundle.zip", ZIP, "application/zip"),
        ("old.doc", OLE2, "application/msword"),
        ("old.xls", OLE2, "application/vnd.ms-excel"),
        ("old.ppt", OLE2, "application/vnd.ms-powerpoint"),
        ("notes.txt", "会议纪要\nline 2\n".encode(), "text/plain; charset=utf-8"),
        ("list.csv", "名称,数量\n甲,1\n".encode("gb18030"), "text/csv; charset=gb18030"),
    ],
)
def test_accepted_kinds_are_recognised_by_their_bytes(name, content, content_type):
    assert validate_upload(SimpleUploadedFile(name, content)) == (content_type, name)


def test_the_browsers_content_type_is_ignored():
    upload = SimpleUploadedFile("photo.png", PNG, content_type="text/html")
    assert validate_upload(upload)[0] == "image/png"
    disguised = SimpleUploadedFile("report.pdf", HTML, content_type="application/pdf")
    assert _refusal(disguised).code == "markup"


@pytest.mark.parametrize("content", [HTML, SVG, SVG_WITH_PROLOG, b"  \n<HTML><ScRiPt>x()</script>"])
@pytest.mark.parametrize("name", ["report.pdf", "notes.txt", "data.csv"])
def test_markup_is_refused_whatever_its_name(name, content, issue_x, staff, settings):
    error = _refusal(SimpleUploadedFile(name, content))
    assert error.code == "markup"
    assert "not accepted" in error.messages[0]
    with pytest.raises(ValidationError):
        store_attachment(issue=issue_x, uploaded_file=SimpleUploadedFile(name, content), user=staff)
    assert not Attachment.objects.exists()
    assert _stored_files(settings) == []


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("report.pdf", b"just some text"),
        ("report.pdf", PNG),
        ("photo.png", JPEG),
        ("minutes.docx", OLE2),
        ("old.doc", ZIP),
        ("notes.txt", b"text\x00with a NUL"),
        ("notes.txt", b"\xff\xfe\xfd\xfc binary"),
    ],
)
def test_content_that_does_not_match_the_name_is_refused(name, content):
    error = _refusal(SimpleUploadedFile(name, content))
    assert error.code == "mismatch"
    assert error.messages == ["The file's content does not match its name."]


@pytest.mark.parametrize("name", ["x.py", "run.exe", "page.html", "image.svg", "noextension"])
def test_other_kinds_are_refused_by_name(name):
    error = _refusal(SimpleUploadedFile(name, PDF))
    assert error.code == "type_not_accepted"
    assert error.messages[0].startswith("This kind of file is not accepted:")


def test_an_oversized_file_is_refused(settings, issue_x, staff):
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    upload = SimpleUploadedFile("big.pdf", PDF + b"0" * (1024 * 1024))
    error = _refusal(upload)
    assert error.code == "too_large"
    assert error.messages == ["The file is too large (max 1 MB)."]
    with pytest.raises(ValidationError):
        store_attachment(issue=issue_x, uploaded_file=upload, user=staff)
    assert _stored_files(settings) == []


def test_an_empty_file_is_refused():
    assert _refusal(SimpleUploadedFile("empty.txt", b"")).code == "empty"


def test_text_cut_mid_character_at_8_kib_is_still_text():
    content = ("甲" * 5000).encode()  # 3 bytes each: byte 8192 falls inside a character
    assert sniff(content[:8192], truncated=True).kind == "text"
    assert validate_upload(SimpleUploadedFile("long.txt", content))[0].startswith("text/plain")


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("../../x.py", "x.py"),
        ("..\\..\\windows\\x.pdf", "x.pdf"),
        ("/etc/passwd", "passwd"),
        ("a\x00.pdf", "a.pdf"),
        ("x.php\x00.pdf", "x.php.pdf"),
        ("<img src=x onerror=alert(1)>.pdf", "_img src=x onerror=alert(1)_.pdf"),
        ("报告 2026.pdf", "报告 2026.pdf"),
        ("  many   spaces\t\n here .pdf", "many spaces here.pdf"),
        ("tab\tseparated.pdf", "tab separated.pdf"),
        ("evil\u202efdp.exe", "evilfdp.exe"),
        ("report.pdf...", "report.pdf"),
        ("", "attachment"),
        ("../..", "attachment"),
        ("\x00\x01", "attachment"),
        (".pdf", "attachment.pdf"),
        (None, "attachment"),
    ],
)
def test_display_name_is_cleaned(raw, shown):
    assert display_name(raw) == shown


def test_display_name_is_trimmed_to_200_keeping_the_extension():
    shown = display_name("长" * 300 + ".pdf")
    assert len(shown) == 200
    assert shown.endswith("长.pdf")


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("../../x.pdf", "x.pdf"),
        ("..\\..\\x.pdf", "x.pdf"),
        ("a\x00.pdf", "a.pdf"),
        ("<img src=x onerror=alert(1)>.pdf", "_img src=x onerror=alert(1)_.pdf"),
        ("a" * 300 + ".pdf", "a" * 196 + ".pdf"),
        ("报告 2026.pdf", "报告 2026.pdf"),
    ],
)
def test_stored_path_is_generated_and_never_holds_user_text(raw, shown, issue_x, staff, settings):
    # ContentFile keeps the raw name; Django's own upload classes already drop directories.
    attachment = store_attachment(
        issue=issue_x, uploaded_file=ContentFile(PDF, name=raw), user=staff
    )
    attachment.refresh_from_db()
    match = STORED_PATH.fullmatch(attachment.file.name)
    assert match and match.group(1) == "pdf"
    assert attachment.file.name.endswith(attachment.storage_key)
    path = Path(attachment.file.path).resolve()
    assert path.is_relative_to(Path(settings.MEDIA_ROOT).resolve() / "attachments")
    assert path.read_bytes() == PDF
    assert _stored_files(settings) == [path]
    assert attachment.original_name == shown
    assert attachment.content_type == "application/pdf"
    assert attachment.size == len(PDF)
    assert attachment.uploaded_by == staff
    assert attachment.issue == issue_x


def test_a_python_file_climbing_directories_is_refused_and_nothing_written(
    issue_x, staff, settings
):
    with pytest.raises(ValidationError):
        store_attachment(
            issue=issue_x, uploaded_file=ContentFile(b"import os\n", name="../../x.py"), user=staff
        )
    assert _stored_files(settings) == []


def test_two_uploads_with_one_name_get_two_keys(issue_x, staff):
    first = store_attachment(
        issue=issue_x, uploaded_file=SimpleUploadedFile("r.pdf", PDF), user=staff
    )
    second = store_attachment(
        issue=issue_x, uploaded_file=SimpleUploadedFile("r.pdf", PDF), user=staff
    )
    assert first.storage_key != second.storage_key
    assert first.file.name != second.file.name


def _body(response) -> bytes:
    try:
        return b"".join(response.streaming_content)
    finally:
        response.close()


def test_download_is_an_attachment_with_utf8_name_nosniff_and_sandbox(issue_x, staff):
    attachment = store_attachment(
        issue=issue_x, uploaded_file=SimpleUploadedFile("报告 2026.pdf", PDF), user=staff
    )
    response = attachment_response(attachment)
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E6%8A%A5%E5%91%8A%202026.pdf" in disposition
    assert 'filename="2026.pdf"' in disposition
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert (
        response["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'; sandbox"
    )
    assert _body(response) == PDF


def test_behind_nginx_the_download_names_the_file_for_nginx(issue_x, staff, settings):
    settings.DOWNLOADS_VIA_NGINX = True
    attachment = store_attachment(
        issue=issue_x, uploaded_file=SimpleUploadedFile("报告 2026.pdf", PDF), user=staff
    )
    response = attachment_response(attachment)
    assert response.content == b""
    assert response["X-Accel-Redirect"] == f"/_protected/{attachment.file.name}"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    Path(attachment.file.path).unlink()
    with pytest.raises(Http404):
        attachment_response(Attachment.objects.get(pk=attachment.pk))


def test_download_of_a_text_file_is_still_an_attachment(issue_x, staff):
    attachment = store_attachment(
        issue=issue_x,
        uploaded_file=SimpleUploadedFile("<img src=x onerror=alert(1)>.txt", b"hello"),
        user=staff,
    )
    response = attachment_response(attachment)
    assert response["Content-Disposition"].startswith("attachment;")
    assert "<" not in response["Content-Disposition"]
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert _body(response) == b"hello"


def test_download_of_a_file_gone_from_disk_is_404(issue_x, staff):
    attachment = store_attachment(
        issue=issue_x, uploaded_file=SimpleUploadedFile("r.pdf", PDF), user=staff
    )
    Path(attachment.file.path).unlink()
    with pytest.raises(Http404):
        attachment_response(Attachment.objects.get(pk=attachment.pk))


def test_the_issue_page_shows_each_file_on_its_update_and_all_in_the_list(
    client, issue_x, staff, chair
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from lxml import html

    from issues import services

    def page():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/issues/{issue_x.pk}/")
        assert response.status_code == 200
        return html.fromstring(response.content.decode()), len(queries)

    def add(name, update=None):
        store_attachment(
            issue=issue_x, uploaded_file=SimpleUploadedFile(name, PDF), user=staff, update=update
        )

    client.force_login(staff)
    first = services.issue_add_instruction(actor=chair, issue=issue_x, body="Report weekly")
    add("on-the-instruction.pdf", first)
    add("on-the-issue.pdf")
    doc, queries = page()
    entry = doc.xpath('//*[contains(text(), "Report weekly")]/ancestor::li[1]')[0]
    assert "on-the-instruction.pdf" in entry.text_content()
    assert "on-the-issue.pdf" not in entry.text_content()
    listed = doc.xpath('//h3[.="Attachments"]/following-sibling::ul[1]')[0].text_content()
    assert "on-the-instruction.pdf" in listed and "on-the-issue.pdf" in listed

    for n in range(4):
        later = services.issue_add_instruction(actor=chair, issue=issue_x, body=f"Again {n}")
        add(f"later-{n}.pdf", later)
    doc, more_queries = page()
    assert more_queries == queries
    entry = doc.xpath('//*[contains(text(), "Again 3")]/ancestor::li[1]')[0]
    assert "later-3.pdf" in entry.text_content()
    assert "later-2.pdf" not in entry.text_content()
