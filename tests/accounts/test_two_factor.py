"""The second factor (ASVS 6.5, 6.6): enrolment with a QR code made here, sign-in asking for
the code after the password, backup codes, an administrator's reset, and
REQUIRE_2FA_FOR_ADMINS."""

import re
from binascii import unhexlify
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from roundtable.accounts import services
from roundtable.accounts.views import ENROL_KEY, PENDING
from tests.accounts.helpers import is_signed_in, sessions_of, sign_in, text
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
VERIFY = reverse("accounts:login_verify")
ENROL = reverse("accounts:two_factor_enrol")


def _now():
    # Clocks are moved from the real time, so that sessions made while travelling are still
    # fresh afterwards; a code already used cannot sign in again within its 30 s step.
    return timezone.now()


def _code(key_hex: str) -> str:
    """The code the app shows now (django-otp's TOTP reads the clock that time-machine
    moves)."""
    return f"{totp(unhexlify(key_hex)):06d}"


def _enrol(client) -> list[str]:
    """Enrol the signed-in client's user; returns the backup codes shown."""
    page = client.get(ENROL)
    assert page.status_code == 200
    key = client.session[ENROL_KEY]
    response = client.post(ENROL, {"code": _code(key)})
    assert response.status_code == 200
    return re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())


def _password_step(client, username="chair", password=PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


def _key(user) -> str:
    return TOTPDevice.objects.get(user=user, confirmed=True).key


def test_enrolment_shows_a_qr_code_made_here_and_the_secret(chair):
    client = sign_in("chair")

    page = client.get(ENROL)

    body = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in body and "http" not in body.split("<svg", 1)[1].split("</svg>", 1)[0].replace(
        "http://www.w3.org/2000/svg", ""
    )
    secret = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', body).group(1)
    assert len(secret.replace(" ", "")) == 32
    # Nothing is stored until a code confirms the secret.
    assert not TOTPDevice.objects.filter(user=chair).exists()


@pytest.mark.parametrize("code", ["000000", "²²²²²²", "٣٣٣٣٣٣", "１２３４５６"])
def test_a_wrong_code_at_enrolment_turns_nothing_on(chair, code):
    client = sign_in("chair")
    client.get(ENROL)

    response = client.post(ENROL, {"code": code})

    assert response.status_code == 200
    assert "The code is not correct." in text(response)
    assert not services.second_factor_enabled(chair)


def test_enrolment_gives_ten_backup_codes_and_signs_out_other_sessions(chair):
    with time_machine.travel(_now()):
        here = sign_in("chair")
        elsewhere = sign_in("chair")

        codes = _enrol(here)

    assert len(set(codes)) == 10
    assert services.second_factor_enabled(chair)
    assert sessions_of(chair) == {here.session.session_key}
    assert not is_signed_in(elsewhere)
    assert is_signed_in(here)
    assert chair.history.latest().history_change_reason == "second factor on"


def test_sign_in_asks_for_the_code_after_the_password(chair):
    with time_machine.travel(_now()) as clock:
        _enrol(sign_in("chair"))
        clock.shift(timedelta(minutes=1))
        client = Client()

        response = _password_step(client)

        assert response.status_code == 302
        assert response["Location"] == VERIFY
        assert "_auth_user_id" not in client.session
        assert not is_signed_in(client)

        done = client.post(VERIFY, {"code": _code(_key(chair))})

    assert done.status_code == 302
    assert done["Location"] == reverse("dashboard:home")
    assert client.session["_auth_user_id"] == str(chair.pk)
    assert is_signed_in(client)


def test_a_wrong_password_never_reaches_the_code_step(client, chair):
    with time_machine.travel(_now()):
        _enrol(sign_in("chair"))

    response = _password_step(client, password="wrong")

    assert response.status_code == 200
    assert PENDING not in client.session


@pytest.mark.parametrize("code", ["000000", "²²²²²²"])
def test_a_wrong_code_is_refused_and_logged(client, chair, caplog, code):
    with time_machine.travel(_now()) as clock:
        _enrol(sign_in("chair"))
        clock.shift(timedelta(minutes=1))
        _password_step(client)

        response = client.post(VERIFY, {"code": code})

    assert response.status_code == 200
    assert "The code is not correct." in text(response)
    assert "_auth_user_id" not in client.session
    assert "sign-in refused (code): username='chair' address=127.0.0.1" in caplog.text
    assert code not in caplog.text


def test_five_wrong_codes_end_the_attempt_and_lock_the_username_from_that_address(client, chair):
    with time_machine.travel(_now()) as clock:
        _enrol(sign_in("chair"))
        clock.shift(timedelta(minutes=1))
        _password_step(client)
        for _n in range(4):
            clock.shift(timedelta(seconds=20))  # past django-otp's growing delay
            assert client.post(VERIFY, {"code": "000000"}).status_code == 200
        clock.shift(timedelta(seconds=20))
        fifth = client.post(VERIFY, {"code": "000000"})

        # Each wrong code counted as a failed sign-in for django-axes: the fifth locks.
        assert fifth.status_code == 429
        assert PENDING not in client.session
        assert _password_step(client).status_code == 429


def test_the_next_code_right_after_a_wrong_one_waits(client, chair):
    with time_machine.travel(_now(), tick=False) as clock:
        _enrol(sign_in("chair"))
        clock.shift(timedelta(minutes=1))
        _password_step(client)
        client.post(VERIFY, {"code": "000000"})

        too_soon = client.post(VERIFY, {"code": _code(_key(chair))})

        assert "Wait a few seconds" in text(too_soon)
        clock.shift(timedelta(seconds=2))
        assert client.post(VERIFY, {"code": _code(_key(chair))}).status_code == 302


def test_a_code_cannot_be_used_twice(chair):
    with time_machine.travel(_now(), tick=False) as clock:
        _enrol(sign_in("chair"))
        clock.shift(timedelta(minutes=1))
        code = _code(_key(chair))
        first, second = Client(), Client()
        _password_step(first)
        _password_step(second)

        assert first.post(VERIFY, {"code": code}).status_code == 302
        assert second.post(VERIFY, {"code": code}).status_code == 200


def test_the_code_step_expires(client, chair):
    with time_machine.travel(_now()) as clock:
        _enrol(sign_in("chair"))
        _password_step(client)
        clock.shift(timedelta(minutes=6))

        response = client.post(VERIFY, {"code": _code(_key(chair))})

    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert "_auth_user_id" not in client.session


def test_a_backup_code_signs_in_once(chair):
    with time_machine.travel(_now()):
        codes = _enrol(sign_in("chair"))
    first, second = Client(), Client()

    _password_step(first)
    assert first.post(VERIFY, {"code": codes[0].upper()}).status_code == 302
    _password_step(second)
    assert second.post(VERIFY, {"code": codes[0]}).status_code == 200
    assert StaticToken.objects.filter(device__user=chair).count() == 9


def test_new_backup_codes_replace_the_old(chair):
    with time_machine.travel(_now()):
        client = sign_in("chair")
        old = _enrol(client)

    response = client.post(reverse("accounts:two_factor_backup_codes"))

    new = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
    assert len(new) == 10
    assert not set(old) & set(StaticToken.objects.values_list("token", flat=True))


def test_an_administrator_resets_a_lost_second_factor(chair, admin_user):
    with time_machine.travel(_now()):
        _enrol(sign_in("chair"))
    admin = Client()
    admin.force_login(admin_user)

    response = admin.post(reverse("accounts:user_reset_second_factor", args=[chair.pk]))

    assert response.status_code == 302
    assert not services.second_factor_enabled(chair)
    assert not StaticToken.objects.filter(device__user=chair).exists()
    latest = chair.history.latest()
    assert (latest.history_change_reason, latest.history_user) == (
        "second factor reset",
        admin_user,
    )
    # The password alone signs in again.
    client = Client()
    assert _password_step(client)["Location"] == reverse("dashboard:home")


def test_turning_it_off_needs_the_password(chair):
    with time_machine.travel(_now()):
        client = sign_in("chair")
        _enrol(client)

    refused = client.post(reverse("accounts:two_factor_disable"), {"password": "wrong"})
    assert refused.status_code == 400
    assert services.second_factor_enabled(chair)

    client.post(reverse("accounts:two_factor_disable"), {"password": PASSWORD})
    assert not services.second_factor_enabled(chair)


# --- REQUIRE_2FA_FOR_ADMINS --------------------------------------------------------------------


def test_when_required_an_administrator_must_set_it_up_first(settings, admin_user):
    settings.REQUIRE_2FA_FOR_ADMINS = True
    with time_machine.travel(_now()):
        client = sign_in("admin")

        home = client.get(reverse("dashboard:home"))
        assert home.status_code == 302
        assert home["Location"] == ENROL
        assert client.get(reverse("accounts:user_list")).status_code == 302

        _enrol(client)

        assert client.get(reverse("accounts:user_list")).status_code == 200
    # Turning it off is refused for the role.
    client.post(reverse("accounts:two_factor_disable"), {"password": PASSWORD})
    assert services.second_factor_enabled(admin_user)


def test_the_requirement_leaves_other_roles_alone(settings, staff, liaison_a):
    settings.REQUIRE_2FA_FOR_ADMINS = True

    assert is_signed_in(sign_in("staff"))
    assert is_signed_in(sign_in("liaison_a"))


def test_when_required_the_chair_may_still_sign_out(settings, chair):
    settings.REQUIRE_2FA_FOR_ADMINS = True
    client = sign_in("chair")

    response = client.post(reverse("accounts:logout"))

    assert response["Location"] == LOGIN
