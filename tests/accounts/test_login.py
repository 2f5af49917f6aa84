"""Sign-in, sign-out, throttling, redirects, session and CSRF (SECURITY.md §2 cases 18–21)."""

import html
import logging
import re

import pytest
from axes.models import AccessFailureLog
from django.test import Client
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from roundtable.accounts.models import UserSession
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

BAD_LOGIN = "The username or password is not correct."
LOCKED = "Too many failed sign-in attempts. Try again in 15 minutes."


def _sign_in(client, username, password=PASSWORD, *, ip="127.0.0.1", **extra):
    data = {"username": username, "password": password, **extra}
    return client.post(reverse("accounts:login"), data, REMOTE_ADDR=ip)


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _main(response) -> str:
    """The page's <main>, without tokens: what the user reads."""
    body = _text(response)
    return re.search(r"<main.*?</main>", body, re.S).group(0)


def _form_errors(response) -> str:
    match = re.search(r'<div class="form-errors"[^>]*>(.*?)</div>', _text(response), re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)).strip() if match else ""


def _is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- Signing in -------------------------------------------------------------------------------


def test_sign_in_with_correct_password_redirects_home(client, staff):
    response = _sign_in(client, "staff")

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:home")
    assert _is_signed_in(client)
    assert client.get(reverse("dashboard:home")).status_code == 200


def test_login_page_shows_the_form(client):
    response = client.get(reverse("accounts:login"))

    assert response.status_code == 200
    body = _text(response)
    assert 'name="username"' in body
    assert 'type="password"' in body
    assert 'autocomplete="current-password"' in body


def test_wrong_password_and_unknown_user_get_the_identical_message(client, staff):
    wrong_password = _sign_in(client, "staff", "not-the-password", ip="10.0.0.1")
    unknown_user = _sign_in(client, "nobody-here", "not-the-password", ip="10.0.0.2")

    assert wrong_password.status_code == unknown_user.status_code == 200
    assert _form_errors(wrong_password) == _form_errors(unknown_user) == BAD_LOGIN
    assert not _is_signed_in(client)


def test_inactive_user_with_right_password_gets_the_same_message(client, staff):
    staff.is_active = False
    staff.save()

    response = _sign_in(client, "staff")

    assert response.status_code == 200
    assert _form_errors(response) == BAD_LOGIN
    assert not _is_signed_in(client)


def test_failed_sign_in_keeps_the_username_and_clears_the_password(client, staff):
    response = _sign_in(client, "staff", "typo-password")

    body = _text(response)
    assert 'value="staff"' in body
    assert "typo-password" not in body


# --- Throttling (case 20) ---------------------------------------------------------------------


def test_five_failures_lock_the_username_from_that_address_even_with_the_right_password(
    client, staff
):
    for _attempt in range(4):
        response = _sign_in(client, "staff", "wrong", ip="10.1.0.1")
        assert response.status_code == 200
        assert _form_errors(response) == BAD_LOGIN
    _sign_in(client, "staff", "wrong", ip="10.1.0.1")

    response = _sign_in(client, "staff", PASSWORD, ip="10.1.0.1")

    assert response.status_code == 429
    assert LOCKED in _text(response)
    assert not _is_signed_in(client)


def test_a_locked_username_does_not_pause_colleagues_behind_the_same_address(client, staff, chair):
    # One office, one NAT address: the staff member's typos lock only the staff member.
    for _attempt in range(5):
        _sign_in(client, "staff", "wrong", ip="10.7.0.1")
    assert _sign_in(client, "staff", PASSWORD, ip="10.7.0.1").status_code == 429

    colleague = Client()
    response = _sign_in(colleague, "chair", PASSWORD, ip="10.7.0.1")

    assert response.status_code == 302
    assert _is_signed_in(colleague)


def test_lockout_page_is_the_same_for_a_real_and_an_unknown_username(client, staff):
    for _n in range(5):
        _sign_in(client, "staff", "wrong", ip="10.2.0.1")
        _sign_in(client, "no-such-user", "wrong", ip="10.3.0.1")

    real = _sign_in(client, "staff", PASSWORD, ip="10.2.0.1")
    unknown = _sign_in(client, "no-such-user", PASSWORD, ip="10.3.0.1")

    assert real.status_code == unknown.status_code == 429
    assert _main(real) == _main(unknown)
    assert "staff" not in _main(real)
    assert LOCKED in _main(real)


def test_one_failure_each_for_many_usernames_locks_the_address_at_the_coarse_limit(
    client, staff, settings
):
    settings.SIGN_IN_FAILURES_PER_ADDRESS = 50
    for n in range(49):
        _sign_in(client, f"guess{n}", "wrong", ip="10.4.0.1")
    # 49 failures from the building: a colleague still signs in from it.
    assert _sign_in(Client(), "staff", PASSWORD, ip="10.4.0.1").status_code == 302

    _sign_in(client, "guess49", "wrong", ip="10.4.0.1")
    from_that_address = _sign_in(client, "staff", PASSWORD, ip="10.4.0.1")

    assert from_that_address.status_code == 429
    assert LOCKED in _text(from_that_address)
    assert not _is_signed_in(client)
    # The account itself is not locked: its owner signs in from elsewhere.
    from_elsewhere = _sign_in(client, "staff", PASSWORD, ip="10.4.0.2")
    assert from_elsewhere.status_code == 302


def test_one_username_guessed_from_many_addresses_is_locked_at_its_coarse_limit(
    client, staff, settings
):
    settings.SIGN_IN_FAILURES_PER_USERNAME = 20
    for n in range(19):
        _sign_in(client, "staff", "wrong", ip=f"10.8.0.{n + 1}")
    assert _sign_in(client, "staff", PASSWORD, ip="10.8.1.1").status_code == 302
    client.post(reverse("accounts:logout"))

    _sign_in(client, "staff", "wrong", ip="10.8.0.200")
    response = _sign_in(client, "staff", PASSWORD, ip="10.8.1.1")

    assert response.status_code == 429
    assert not _is_signed_in(client)


def test_lockout_uses_the_address_behind_the_proxy(client, staff, chair, settings):
    # PROXY_COUNT=1 (nginx): every request comes from 127.0.0.1; the client is the last entry
    # of X-Forwarded-For, and what the client put before it is ignored.
    settings.PROXY_COUNT = 1

    def through_nginx(c, username, password, client_address, forged=""):
        header = f"{forged}, {client_address}" if forged else client_address
        return c.post(
            reverse("accounts:login"),
            {"username": username, "password": password},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=header,
        )

    for n in range(5):
        # A forged first entry changes nothing: the lock is on 10.9.0.1.
        through_nginx(client, "staff", "wrong", "10.9.0.1", forged=f"1.2.3.{n}")
    assert through_nginx(client, "staff", PASSWORD, "10.9.0.1").status_code == 429
    # The same username from another client of the same proxy is not locked.
    assert through_nginx(Client(), "staff", PASSWORD, "10.9.0.2").status_code == 302
    row = AccessFailureLog.objects.order_by("attempt_time").first()
    assert row.ip_address == "10.9.0.1"


def test_every_failed_attempt_is_logged(client, staff, caplog):
    caplog.set_level(logging.WARNING, logger="roundtable.accounts.views")
    _sign_in(client, "staff", "wrong-1", ip="10.5.0.1")
    _sign_in(client, "staff", "wrong-2", ip="10.5.0.2")
    _sign_in(client, "unknown-person", "wrong-3", ip="10.5.0.3")

    rows = AccessFailureLog.objects.order_by("attempt_time")
    assert [(row.username, row.ip_address) for row in rows] == [
        ("staff", "10.5.0.1"),
        ("staff", "10.5.0.2"),
        ("unknown-person", "10.5.0.3"),
    ]
    # The password typed is never stored.
    assert not any("wrong-" in str(value) for row in rows for value in vars(row).values())
    # And each one is a log line naming the username and the address, without the password.
    lines = [r.getMessage() for r in caplog.records if r.name == "roundtable.accounts.views"]
    assert lines == [
        "sign-in refused (password): username='staff' address=10.5.0.1",
        "sign-in refused (password): username='staff' address=10.5.0.2",
        "sign-in refused (password): username='unknown-person' address=10.5.0.3",
    ]
    assert "wrong-" not in caplog.text


# --- Redirects after sign-in (case 19) --------------------------------------------------------


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example",
        "//evil.example",
        "/\\evil.example",
        "https://portal@evil.example",
        "http://testserver.evil.example/",
        "javascript:alert(1)",
    ],
)
def test_offsite_next_lands_on_the_site(client, staff, next_url):
    response = _sign_in(client, "staff", next=next_url)

    assert response.status_code == 302
    location = response["Location"]
    assert location == reverse("dashboard:home")
    assert url_has_allowed_host_and_scheme(location, allowed_hosts={"testserver"})


def test_offsite_next_is_not_put_in_the_login_form(client):
    response = client.get(reverse("accounts:login"), {"next": "https://evil.example"})

    assert response.status_code == 200
    assert '<input type="hidden" name="next" value="">' in response.content.decode()


def test_safe_next_is_honoured(client, staff):
    target = reverse("accounts:login") + "?from=test"

    form = client.get(reverse("accounts:login"), {"next": target})
    assert f'name="next" value="{html.escape(target)}"' in form.content.decode()

    response = _sign_in(client, "staff", next=target)

    assert response.status_code == 302
    assert response["Location"] == target


# --- Session (case 21) ------------------------------------------------------------------------


def test_session_key_changes_at_sign_in(client, staff):
    session = client.session  # starts an anonymous session
    session["seen_before_sign_in"] = True
    session.save()
    before = client.cookies["sessionid"].value

    _sign_in(client, "staff")

    after = client.cookies["sessionid"].value
    assert after != before
    assert not UserSession.objects.filter(session_key=before).exists()
    assert UserSession.objects.filter(session_key=after, user_id=staff.pk).exists()
    assert _is_signed_in(client)


def test_after_sign_out_home_redirects_to_login(client, staff):
    client.force_login(staff)
    assert client.get(reverse("dashboard:home")).status_code == 200

    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert "no-store" in response["Cache-Control"]
    home = client.get(reverse("dashboard:home"))
    assert home.status_code == 302
    assert home["Location"].startswith(reverse("accounts:login"))
    assert not _is_signed_in(client)


def test_login_page_says_the_user_signed_out(client, staff):
    client.force_login(staff)

    response = client.post(reverse("accounts:logout"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("accounts:login")
    assert "You have signed out." in _text(response)


def test_signed_in_pages_are_never_stored(client, staff):
    client.force_login(staff)

    response = client.get(reverse("dashboard:home"))

    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_get_of_logout_is_refused_and_signs_nobody_out(client, staff):
    client.force_login(staff)

    response = client.get(reverse("accounts:logout"))

    assert response.status_code == 405
    assert client.get(reverse("dashboard:home")).status_code == 200


def test_deactivated_user_with_a_live_session_is_sent_to_login(client, staff):
    client.force_login(staff)
    assert client.get(reverse("dashboard:home")).status_code == 200

    staff.is_active = False
    staff.save()

    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_every_response_denies_framing(client, staff):
    responses = [
        client.get(reverse("accounts:login")),
        _sign_in(client, "staff", "wrong"),
        client.get("/no-such-page/"),
        _sign_in(client, "staff"),
        client.get(reverse("dashboard:home")),
        client.post(reverse("accounts:set_language"), {"language": "en", "next": "/"}),
        client.get(reverse("accounts:logout")),
        client.post(reverse("accounts:logout")),
    ]
    for _n in range(5):
        _sign_in(client, "staff", "wrong", ip="10.6.0.1")
    responses.append(_sign_in(client, "staff", ip="10.6.0.1"))

    assert [r.status_code for r in responses] == [200, 200, 404, 302, 200, 302, 405, 302, 429]
    for response in responses:
        assert response["X-Frame-Options"] == "DENY"


# --- CSRF (case 18) ---------------------------------------------------------------------------


def _csrf_token_in_page(response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())[1]


def test_sign_in_without_csrf_token_is_refused(staff):
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("accounts:login"))

    response = _sign_in(client, "staff")

    assert response.status_code == 403
    assert "This form has expired" in _text(response)
    assert not _is_signed_in(client)


def test_sign_in_with_the_pages_token_works(staff):
    client = Client(enforce_csrf_checks=True)
    token = _csrf_token_in_page(client.get(reverse("accounts:login")))

    response = _sign_in(client, "staff", csrfmiddlewaretoken=token)

    assert response.status_code == 302


def test_language_switch_with_another_sessions_token_is_refused(staff, chair):
    other = Client(enforce_csrf_checks=True)
    other.force_login(chair)
    stolen = _csrf_token_in_page(other.get(reverse("dashboard:home")))

    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    client.get(reverse("dashboard:home"))  # this session's own CSRF cookie
    response = client.post(
        reverse("accounts:set_language"),
        {"language": "zh-hans", "next": "/", "csrfmiddlewaretoken": stolen},
    )

    assert response.status_code == 403
    staff.refresh_from_db()
    assert staff.preferred_language == "en"
