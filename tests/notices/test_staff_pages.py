"""The staff pages: writing a notice in the browser's forms, what the page says is missing,
files checked by the attachment rules, and who may do what."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from roundtable.notices.models import Notice
from tests.notices import world as w

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _form(**changes):
    data = {
        "kind": "policy",
        "title_zh": "外资企业人才政策",
        "body_zh": "外籍人才可申请工作许可便利。",
        "title_en": "Talent policy for FIEs",
        "body_en": "Foreign staff may apply for a faster work permit.",
        "target": "country",
        "target_countries": ["JP", "KR"],
    }
    data.update(changes)
    return data


def test_staff_write_a_notice_and_its_page_says_which_languages_are_missing(client, staff):
    w.build()
    client.force_login(staff)
    response = client.post("/notices/new/", _form())
    notice = Notice.objects.get()
    assert response["Location"] == f"/notices/{notice.pk}/"
    assert notice.target_countries == ["JP", "KR"] and notice.is_draft
    page = client.get(f"/notices/{notice.pk}/").content.decode()
    missing = page[page.index('id="missing-languages"') :].split("</p>")[0]
    assert "Japanese" in missing and "Korean" in missing and "English" not in missing
    # The preview: Sato, Tanaka and Miller (Japan) and Kim (Korea); the Japanese and Korean
    # readers fall back to English.
    preview = page[page.index('id="preview-fallbacks"') :].split("</table>")[0]
    assert "Japanese" in preview and "Korean" in preview


def test_a_form_with_an_error_keeps_what_was_typed(client, staff):
    client.force_login(staff)
    response = client.post(
        "/notices/new/",
        _form(title_ja="人材政策のご案内", target="association", target_countries=[]),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Give both a title and a text in this language, or neither." in page
    assert "Choose at least one association or chamber." in page
    assert "人材政策のご案内" in page and "外籍人才可申请工作许可便利。" in page
    assert not Notice.objects.exists()


def test_a_sent_notice_can_no_longer_be_edited(client, staff):
    w.build()
    client.force_login(staff)
    notice = w.notice(staff)
    client.post(f"/notices/{notice.pk}/send/")
    notice.refresh_from_db()
    assert not notice.is_draft
    response = client.post(f"/notices/{notice.pk}/edit/", _form(title_zh="改"))
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.title_zh == w.NOTICE["title_zh"]


def test_files_follow_the_attachment_rules(client, staff, chair):
    notice = w.notice(staff)
    client.force_login(staff)
    client.post(
        f"/notices/{notice.pk}/files/",
        {"file": SimpleUploadedFile("evil.pdf", b"<html><script>alert(1)</script>")},
    )
    assert not notice.attachments.exists()
    client.post(f"/notices/{notice.pk}/files/", {"file": SimpleUploadedFile("指南.pdf", PDF)})
    attachment = notice.attachments.get()
    assert attachment.file.name.startswith("notices/")
    client.force_login(chair)
    response = client.get(f"/notices/{notice.pk}/files/{attachment.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == PDF


def test_the_chair_reads_but_cannot_write_and_liaisons_are_refused(client, chair, liaison_a, staff):
    notice = w.notice(staff)
    client.force_login(chair)
    assert client.get(f"/notices/{notice.pk}/").status_code == 200
    assert client.post(f"/notices/{notice.pk}/send/").status_code == 403
    assert client.get("/notices/new/").status_code == 403
    client.force_login(liaison_a)
    assert client.get("/notices/").status_code == 403
