"""Sending a notice: the rows written once, the worker's run e-mailing each person once in
their language (parsed with Python's ``email`` package), the inbox, retries and failures,
and the counts on the notice's page."""

import smtplib
from email import message_from_bytes, policy

import pytest
from django.core import mail

from roundtable.notices import delivery, services
from roundtable.notices.models import Notice, NoticeDelivery
from tests.notices import world as w

pytestmark = pytest.mark.django_db


def _parsed(message):
    return message_from_bytes(message.message().as_bytes(), policy=policy.default)


def _by_address():
    return {m.to[0].lower(): _parsed(m) for m in mail.outbox}


def _sent(staff, django_capture_on_commit_callbacks, **changes):
    notice = w.notice(staff, **changes)
    with django_capture_on_commit_callbacks(execute=True):
        services.notice_send(actor=staff, notice=notice)
    # The request only records the deliveries; the worker's periodic run sends them.
    assert mail.outbox == []
    delivery.notices_deliver_pending()
    return notice


def test_sending_reaches_each_person_once_in_their_language(
    staff, django_capture_on_commit_callbacks
):
    world = w.build()
    notice = _sent(staff, django_capture_on_commit_callbacks)
    # The worker's run sent everyone one e-mail.
    messages = _by_address()
    assert sorted(messages) == [
        "contact_en@example.test",
        "contact_ja@example.test",
        "contact_ko@example.test",
        "contact_zh@example.test",
        "tanaka@example.test",
    ]
    assert len(mail.outbox) == 5
    # A second run, and a second send, change nothing.
    assert delivery.notices_deliver_pending().claimed == 0
    with pytest.raises(services.NoticeRefused):
        services.notice_send(actor=staff, notice=notice)
    assert len(mail.outbox) == 5
    assert NoticeDelivery.objects.filter(notice=notice).count() == 5

    zh = messages["contact_zh@example.test"]
    assert str(zh["Subject"]).strip() == "政策推送：研发费用加计扣除政策解读"
    assert "申报截止日期为12月31日" in zh.get_body(("plain",)).get_content()
    ko = messages["contact_ko@example.test"]
    assert "연구개발비 추가 공제 안내" in ko["Subject"]
    # Japanese is missing: the Japanese readers get English, told so in Japanese.
    ja = messages["contact_ja@example.test"]
    assert "R&D expense super-deduction explained" in ja["Subject"]
    text = ja.get_body(("plain",)).get_content()
    assert "Apply by 31 December." in text
    assert "日本語" in text
    for message in messages.values():
        assert "\n" not in message["Subject"]
        html = message.get_body(("html",)).get_content()
        assert f"/portal/notices/{notice.pk}/" in html
        assert f"/portal/notices/{notice.pk}/" in message.get_body(("plain",)).get_content()
    assert "<script" not in html
    # The people with an account have it in their inbox; Tanaka (e-mail only) has no inbox.
    in_inbox = NoticeDelivery.objects.filter(inbox_at__isnull=False)
    assert sorted(d.user.username for d in in_inbox) == [
        "contact_en",
        "contact_ja",
        "contact_ko",
        "contact_zh",
    ]
    assert world.users["ja"].notice_deliveries.get().version == "en"


def test_a_notice_that_reaches_nobody_is_not_sent(staff):
    w.build()
    notice = w.notice(staff, target=Notice.Target.COUNTRY, target_countries=["FR"])
    with pytest.raises(services.NoticeRefused):
        services.notice_send(actor=staff, notice=notice)
    notice.refresh_from_db()
    assert notice.is_draft


def test_a_claim_taken_by_one_run_is_not_taken_by_another(staff):
    w.build()
    notice = w.notice(staff)
    services.notice_send(actor=staff, notice=notice)  # no commit callbacks: nothing sent yet
    from django.utils import timezone

    now = timezone.now()
    first = delivery.claim(now=now, token="a" * 32)
    second = delivery.claim(now=now, token="b" * 32)
    assert (first, second) == (5, 0)


def test_a_failing_mail_server_is_retried_then_the_row_fails(
    staff, monkeypatch, settings, django_capture_on_commit_callbacks, time_machine
):
    w.build()
    settings.ROUNDTABLE = {**settings.ROUNDTABLE, "REMINDER_MAX_TRIES": 2}
    time_machine.move_to("2026-11-02 10:00 +0800", tick=False)

    def refuse(self, messages):
        raise smtplib.SMTPResponseException(451, b"try later")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    notice = _sent(staff, django_capture_on_commit_callbacks)
    assert set(notice.deliveries.values_list("status", flat=True)) == {"retry"}
    time_machine.move_to("2026-11-02 10:05 +0800", tick=False)
    report = delivery.notices_deliver_pending()
    assert report.failed == 5
    assert set(notice.deliveries.values_list("status", flat=True)) == {"failed"}
    # Failed e-mails still reached the inboxes of those with an account.
    assert notice.deliveries.filter(inbox_at__isnull=False).count() == 4


def test_the_notice_page_shows_delivered_failed_and_read_counts(
    client, staff, chair, django_capture_on_commit_callbacks
):
    world = w.build()
    notice = _sent(staff, django_capture_on_commit_callbacks)
    NoticeDelivery.objects.filter(user=world.users["ko"]).update(read_at="2026-11-03T10:00Z")
    NoticeDelivery.objects.filter(email="tanaka@example.test").update(status="failed")
    client.force_login(chair)
    page = client.get(f"/notices/{notice.pk}/").content.decode()
    assert '<dd id="count-delivered">4</dd>' in page
    assert '<dd id="count-failed">1</dd>' in page
    assert '<dd id="count-read">1</dd>' in page


def test_a_worker_that_died_while_sending_leaves_a_row_sent_again_and_marked_uncertain(
    staff, monkeypatch, time_machine
):
    w.build()
    time_machine.move_to("2026-11-02 10:00 +0800", tick=False)
    notice = w.notice(staff, target=Notice.Target.COUNTRY, target_countries=["KR"])
    services.notice_send(actor=staff, notice=notice)

    class Died(BaseException):
        pass

    def die(name):
        if name == "sent":
            raise Died

    monkeypatch.setattr(delivery, "fault_point", die)
    with pytest.raises(Died):
        delivery.notices_deliver_pending()
    row = notice.deliveries.get()
    assert (row.status, row.error) == ("claimed", delivery.IN_FLIGHT)
    monkeypatch.setattr(delivery, "fault_point", lambda name: None)
    # Within the lease nobody takes it; after it, the next run sends it again, marked.
    assert delivery.notices_deliver_pending().claimed == 0
    time_machine.move_to("2026-11-02 10:11 +0800", tick=False)
    assert delivery.notices_deliver_pending().uncertain == 1
    row.refresh_from_db()
    assert row.status == "uncertain" and row.attempts == 2
    assert len(mail.outbox) == 2  # the mail server may have taken the first: counted apart


def test_a_contact_without_an_account_is_told_how_to_reach_the_files(
    staff, django_capture_on_commit_callbacks
):
    w.build()
    _sent(
        staff,
        django_capture_on_commit_callbacks,
        target=Notice.Target.COUNTRY,
        target_countries=["JP"],
    )
    tanaka = _by_address()["tanaka@example.test"]
    text = tanaka.get_body(("plain",)).get_content()
    assert "円卓会議事務局にアカウントをお申し込みください" in text
    assert "R&D expense super-deduction explained" in text  # no Japanese version: English
