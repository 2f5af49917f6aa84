"""Passwords (ASVS 6.2, 6.4, 7.4): changing one's own, the e-mailed reset link, and the
sessions that end with them. Mail goes through the outbox and the worker, never from the
request."""

import time
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from roundtable.notifications.models import Notification, ReminderLog
from tests.accounts.helpers import (
    NEW_PASSWORD,
    deliver,
    html_part,
    is_signed_in,
    link_in,
    mails_to,
    outbox_rows,
    sessions_of,
    sign_in,
    text,
)
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

CHANGE = reverse("accounts:password_change")
RESET = reverse("accounts:password_reset")
RESET_PREFIX = "/accounts/password/reset/"


def _change(client, old=PASSWORD, new=NEW_PASSWORD, again=None):
    return client.post(
        CHANGE, {"old_password": old, "new_password1": new, "new_password2": again or new}
    )


# --- Changing one's own password ---------------------------------------------------------------


def test_changing_the_password_keeps_this_session_and_signs_out_the_others(staff):
    here = sign_in("staff")
    elsewhere = sign_in("staff")
    assert len(sessions_of(staff)) == 2

    response = _change(here)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:account")
    assert is_signed_in(here)
    assert not is_signed_in(elsewhere)
    # Ended server-side, not only refused at the next request.
    assert sessions_of(staff) == {here.session.session_key}
    staff.refresh_from_db()
    assert staff.check_password(NEW_PASSWORD)
    here.post(reverse("accounts:logout"))
    sign_in("staff", NEW_PASSWORD)


def test_the_old_password_no_longer_signs_in(client, staff):
    _change(sign_in("staff"))

    response = client.post(reverse("accounts:login"), {"username": "staff", "password": PASSWORD})

    assert response.status_code == 200
    assert "The username or password is not correct." in text(response)


def test_a_wrong_current_password_changes_nothing(staff):
    here = sign_in("staff")
    elsewhere = sign_in("staff")

    response = _change(here, old="not-my-password")

    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in text(response)
    staff.refresh_from_db()
    assert staff.check_password(PASSWORD)
    assert is_signed_in(elsewhere)
    assert staff.history.filter(history_change_reason="password changed").count() == 0


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("12345678901", "This password is entirely numeric."),
        ("short1!", "This password is too short."),
        ("password123", "This password is too common."),
    ],
)
def test_djangos_password_validators_apply(staff, new, message):
    client = sign_in("staff")

    response = _change(client, new=new)

    assert response.status_code == 200
    assert message in text(response)
    staff.refresh_from_db()
    assert staff.check_password(PASSWORD)


def test_the_two_new_passwords_must_match(staff):
    response = _change(sign_in("staff"), again=NEW_PASSWORD + "x")

    assert response.status_code == 200
    assert "The two password fields didn’t match." in text(response)


def test_a_password_change_is_in_the_users_history(staff):
    _change(sign_in("staff"))

    row = staff.history.latest()
    assert row.history_user == staff
    assert row.history_change_reason == "password changed"
    # The history never keeps the password hash.
    assert not hasattr(row, "password")


# --- Asking for a reset link ----------------------------------------------------------------


def test_the_answer_is_the_same_for_a_known_and_an_unknown_address(client, staff):
    known = client.post(RESET, {"email": "STAFF@example.test"})
    unknown = client.post(RESET, {"email": "nobody@example.test"})

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("accounts:password_reset_sent")
    page = client.get(known["Location"])
    assert "If an account has that e-mail address" in text(page)
    # One outbox row, for the known address only; nothing was sent by the request itself.
    assert [(r.kind, r.recipient_id, r.status) for r in outbox_rows()] == [
        ("password_reset", staff.pk, ReminderLog.Status.QUEUED)
    ]
    assert mail.outbox == []


def test_no_link_for_a_deactivated_account(client, staff):
    staff.is_active = False
    staff.save()

    client.post(RESET, {"email": "staff@example.test"})

    assert outbox_rows() == []


def test_the_reset_mail_is_in_the_users_language_with_text_and_html(client, staff):
    staff.preferred_language = "zh-hans"
    staff.save()
    client.post(RESET, {"email": "staff@example.test"})

    report = deliver()

    assert report.sent == 1
    (message,) = mails_to("staff@example.test")
    assert message.subject == "圆桌会议：设置新密码"
    assert "\n" not in message.subject
    assert "请打开以下链接" in message.body
    link = link_in(message, RESET_PREFIX)
    assert link in html_part(message)
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    assert outbox_rows()[0].status == ReminderLog.Status.SENT


def test_a_reset_mail_goes_on_its_own_not_in_the_reminder_digest(client, staff):
    Notification.objects.create(recipient=staff, title="Issue assigned to you", url="/")
    client.post(RESET, {"email": "staff@example.test"})

    deliver()

    subjects = sorted(m.subject for m in mails_to("staff@example.test"))
    assert subjects == ["Issue assigned to you", "Roundtable: set a new password"]


# --- Using the link ---------------------------------------------------------------------------


def _reset_link(client, email="staff@example.test"):
    mail.outbox.clear()
    client.post(RESET, {"email": email})
    deliver()
    (message,) = mails_to(email)
    return link_in(message, RESET_PREFIX)


def _set_password(client, link, new=NEW_PASSWORD):
    """Open the link (its token moves to the session), then post the new password."""
    opened = client.get(link)
    if opened.status_code != 302:
        return opened
    return client.post(opened["Location"], {"new_password1": new, "new_password2": new})


def test_a_reset_link_works_once(client, staff):
    link = _reset_link(client)

    response = _set_password(client, link)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    sign_in("staff", NEW_PASSWORD)
    # The second use of the same link is refused, and the password stays the new one.
    again = client.get(link)
    assert again.status_code == 200
    assert "This link does not work" in text(again)
    staff.refresh_from_db()
    assert staff.check_password(NEW_PASSWORD)


def test_the_token_never_stays_in_the_address_bar(client, staff):
    link = _reset_link(client)
    token = link.rstrip("/").rsplit("/", 1)[1]

    opened = client.get(link)

    assert opened.status_code == 302
    assert token not in opened["Location"]
    assert opened["Location"].endswith("/set-password/")
    form = client.get(opened["Location"])
    assert form.status_code == 200
    assert token not in form.content.decode()


# (Each test moves one travelling clock: time-machine's and the real clock disagree on the
# local time that Django's tokens count in.)
T0 = "2026-09-29 10:00 +0800"


def test_a_reset_link_expires(client, staff, settings):
    settings.PASSWORD_RESET_TIMEOUT = 3600
    with time_machine.travel(T0) as clock:
        link = _reset_link(client)
        clock.shift(timedelta(minutes=59))
        assert client.get(link).status_code == 302  # still good
        clock.shift(timedelta(minutes=2))
        response = client.get(link)

    assert "This link does not work" in text(response)


def test_the_expiry_counts_from_when_the_mail_went_out(client, staff, settings):
    # The mail server was down for two hours: the link made when it went out still works.
    settings.PASSWORD_RESET_TIMEOUT = 3600
    with time_machine.travel(T0) as clock:
        client.post(RESET, {"email": "staff@example.test"})
        clock.shift(timedelta(hours=2))
        deliver()
        link = link_in(mails_to("staff@example.test")[0], RESET_PREFIX)
        clock.shift(timedelta(minutes=30))
        assert _set_password(client, link).status_code == 302


def test_a_reset_ends_every_session_and_lifts_the_sign_in_lock(client, staff):
    signed_in = sign_in("staff")
    for _n in range(5):
        client.post(reverse("accounts:login"), {"username": "staff", "password": "wrong"})
    locked = client.post(reverse("accounts:login"), {"username": "staff", "password": PASSWORD})
    assert locked.status_code == 429

    _set_password(client, _reset_link(client))

    assert not is_signed_in(signed_in)
    assert sessions_of(staff) == set()
    sign_in("staff", NEW_PASSWORD, client=client)
    assert staff.history.latest().history_change_reason == "password reset by link"


def test_a_deactivated_users_link_does_not_work(client, staff):
    link = _reset_link(client)
    staff.is_active = False
    staff.save()

    response = client.get(link)

    assert "This link does not work" in text(response)


def test_a_reset_link_is_not_an_invitation(client, staff):
    link = _reset_link(client)

    response = client.get(link.replace(RESET_PREFIX, "/accounts/invitation/"))

    assert "This link does not work" in text(response)


def test_the_new_password_meets_the_validators_and_the_link_stays_usable(client, staff):
    link = _reset_link(client)

    response = _set_password(client, link, new="12345678901")

    assert response.status_code == 200
    assert "This password is entirely numeric." in text(response)
    staff.refresh_from_db()
    assert staff.check_password(PASSWORD)
    # The page kept the token in the session: a good password now goes through.
    form_url = client.get(link)["Location"]
    done = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302


# --- Throttling -------------------------------------------------------------------------------


def test_requests_are_throttled_per_email_address(client, staff, settings):
    settings.PASSWORD_RESET_PER_EMAIL = 3
    for n in range(3):
        response = client.post(RESET, {"email": "staff@example.test"}, REMOTE_ADDR=f"10.0.0.{n}")
        assert response.status_code == 302

    response = client.post(RESET, {"email": "Staff@Example.test"}, REMOTE_ADDR="10.0.0.9")

    assert response.status_code == 429
    assert "Too many requests for a link" in text(response)
    assert 'value="Staff@Example.test"' in text(response)
    assert len(outbox_rows()) == 3


def test_requests_are_throttled_per_address_whatever_the_email(client, staff, settings):
    settings.PASSWORD_RESET_PER_ADDRESS = 5
    for n in range(5):
        client.post(RESET, {"email": f"guess{n}@example.test"}, REMOTE_ADDR="10.1.1.1")

    response = client.post(RESET, {"email": "staff@example.test"}, REMOTE_ADDR="10.1.1.1")

    assert response.status_code == 429
    assert outbox_rows() == []
    # Another address is not affected.
    assert (
        client.post(RESET, {"email": "staff@example.test"}, REMOTE_ADDR="10.1.1.2").status_code
        == 302
    )


def test_an_unknown_address_is_throttled_like_a_known_one(client, staff, settings):
    settings.PASSWORD_RESET_PER_EMAIL = 1
    statuses = []
    for email in ("staff@example.test", "nobody@example.test"):
        statuses.append([client.post(RESET, {"email": email}).status_code for _n in range(2)])

    assert statuses == [[302, 429], [302, 429]]


# --- Mail server and broker down (SECURITY.md F1, F9) -----------------------------------------


@pytest.fixture
def broker_down(settings, monkeypatch):
    """No broker: the Celery app points at a closed port, and any publish fails the test."""
    from celery.app.task import Task

    from roundtable.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setitem(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    monkeypatch.setitem(app.conf, "task_always_eager", False)

    def refuse(*args, **kwargs):
        raise AssertionError("a web request published a task")

    monkeypatch.setattr(Task, "apply_async", refuse)


def test_with_the_mail_server_and_the_broker_down_the_request_answers_at_once(
    client, staff, settings, broker_down
):
    import socket

    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2

    traveller = time_machine.travel(T0)
    clock = traveller.start()
    started = time.monotonic()
    response = client.post(RESET, {"email": "staff@example.test"})
    elapsed = time.monotonic() - started

    assert response.status_code == 302
    assert elapsed < 1.0
    (row,) = outbox_rows()
    assert row.status == ReminderLog.Status.QUEUED

    # The worker's runs while the mail server is down: the row waits with back-off.
    report = deliver()
    row.refresh_from_db()
    assert report.sent == 0
    assert row.status == ReminderLog.Status.RETRY
    assert "refused" in row.error

    # The mail server is back: the next run after the back-off sends it, once.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    clock.shift(timedelta(minutes=2))
    assert deliver().sent == 1
    assert deliver().sent == 0
    assert len(mails_to("staff@example.test")) == 1
    row.refresh_from_db()
    assert row.status == ReminderLog.Status.SENT
    assert _set_password(client, link_in(mail.outbox[0], RESET_PREFIX)).status_code == 302
    traveller.stop()


def test_the_reminder_log_names_the_kind_of_account_mail(client, staff, admin_user):
    client.post(RESET, {"email": "staff@example.test"})
    deliver()
    client.force_login(admin_user)

    response = client.get(reverse("reminders:log"), {"kind": "password_reset"})

    assert response.status_code == 200
    body = text(response)
    assert "Password reset link" in body
    assert staff.email in body
