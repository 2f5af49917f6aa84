"""The contact's inbox (/portal/notices/): the notices delivered to them, in the language
they read the portal in, read marking, and a notice's page and files for its recipients
only."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from roundtable.notices import delivery, services
from roundtable.notices.models import Notice, NoticeDelivery
from tests import factories
from tests.notices import world as w

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _send(staff, **changes):
    notice = w.notice(staff, **changes)
    services.notice_attachment_add(
        actor=staff, notice=notice, uploaded_file=SimpleUploadedFile("申报指南.pdf", PDF)
    )
    services.notice_send(actor=staff, notice=notice)
    delivery.notices_deliver_pending()
    return notice


def _get(client, user, path):
    client.force_login(user)
    with translation.override(user.preferred_language):
        return client.get(path, HTTP_ACCEPT_LANGUAGE=user.preferred_language)


def test_the_inbox_lists_the_notice_in_the_readers_language_and_opening_marks_it_read(
    client, staff
):
    world = w.build()
    notice = _send(staff)
    korean = world.users["ko"]
    page = _get(client, korean, "/portal/notices/").content.decode()
    assert "연구개발비 추가 공제 안내" in page
    assert f'href="/portal/notices/{notice.pk}/"' in page
    row = NoticeDelivery.objects.get(user=korean)
    assert row.read_at is None
    detail = _get(client, korean, f"/portal/notices/{notice.pk}/").content.decode()
    assert "요건을 갖춘 기업은" in detail and "申报指南.pdf" in detail
    row.refresh_from_db()
    assert row.read_at is not None
    # The Japanese reader gets the English version, and is told so.
    japanese = _get(client, world.users["ja"], f"/portal/notices/{notice.pk}/").content.decode()
    assert "R&amp;D expense super-deduction explained" in japanese
    # Any written version can be read on request.
    chinese = _get(client, world.users["ja"], f"/portal/notices/{notice.pk}/?version=zh-hans")
    assert "研发费用加计扣除政策解读" in chinese.content.decode()


def test_only_recipients_open_a_notice_and_its_files(client, staff, enterprise_2):
    world = w.build()
    notice = _send(staff, target=Notice.Target.COUNTRY, target_countries=["KR"])
    attachment = notice.attachments.get()
    path = f"/portal/notices/{notice.pk}/files/{attachment.pk}/"
    response = _get(client, world.users["ko"], path)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    # The German enterprise's contact was not targeted: 404 for the notice and its file.
    assert _get(client, world.users["zh"], f"/portal/notices/{notice.pk}/").status_code == 404
    assert _get(client, world.users["zh"], path).status_code == 404
    assert (
        _get(client, world.users["zh"], "/portal/notices/").content.decode().count("연구개발비")
        == 0
    )
    # A contact of another enterprise, staff, and an anonymous visitor.
    other = factories.make_contact(enterprise_2, username="other_contact")
    assert _get(client, other, f"/portal/notices/{notice.pk}/").status_code == 404
    assert _get(client, staff, "/portal/notices/").status_code == 403
    client.logout()
    assert client.get("/portal/notices/").status_code == 302


def test_mark_all_as_read(client, staff):
    world = w.build()
    _send(staff)
    _send(staff, title_zh="第二份通知")
    client.force_login(world.users["en"])
    assert client.post("/portal/notices/read-all/").status_code == 302
    assert not NoticeDelivery.objects.filter(user=world.users["en"], read_at__isnull=True).exists()
    assert NoticeDelivery.objects.filter(user=world.users["zh"], read_at__isnull=True).count() == 2
