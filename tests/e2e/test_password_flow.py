"""In a real browser: a user changes their password, signs out and signs in with the new
one; a reset link from the e-mail works once and is refused the second time."""

import re

import pytest
from django.core import mail

from roundtable.notifications import delivery
from tests import factories
from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e

NEW = "Tq8#lanterns-river"
NEW_PASSWORD_LABEL = re.compile(r"^New password:?$")
NEWER = "Vb5!harbour-kites"


def _sign_in(page, url, username, password):
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.django_db(transaction=True)
def test_change_password_sign_out_and_in_then_a_reset_link_works_once(live_server, page):
    factories.UserFactory(
        username="e2e_liaison", full_name="Wang Fang", email="wang.fang@example.test"
    )
    url = live_server.url

    _sign_in(page, url, "e2e_liaison", PASSWORD)
    page.wait_for_url(f"{url}/")
    page.locator(".account-name").click()
    page.wait_for_url(f"{url}/accounts/")
    page.get_by_role("link", name="Change your password").click()
    page.get_by_label("Old password").fill(PASSWORD)
    page.get_by_label(NEW_PASSWORD_LABEL).fill(NEW)
    page.get_by_label("New password confirmation").fill(NEW)
    page.get_by_role("button", name="Change the password").click()
    page.wait_for_url(f"{url}/accounts/")
    assert "Your password is changed" in page.locator(".messages").inner_text()

    page.locator("#sign-out button").click()
    page.wait_for_url(re.compile(r"/accounts/login/$"))
    _sign_in(page, url, "e2e_liaison", PASSWORD)
    assert "The username or password is not correct." in page.locator("#login-errors").inner_text()
    _sign_in(page, url, "e2e_liaison", NEW)
    page.wait_for_url(f"{url}/")
    page.locator("#sign-out button").click()
    page.wait_for_url(re.compile(r"/accounts/login/$"))

    # Forgotten password: the link arrives through the outbox and the worker's delivery.
    page.get_by_role("link", name="Forgotten your password?").click()
    page.get_by_label("E-mail address").fill("wang.fang@example.test")
    page.get_by_role("button", name="Send me a link").click()
    page.wait_for_url(re.compile(r"/accounts/password/reset/sent/$"))
    assert mail.outbox == []
    delivery.reminders_deliver_pending()
    (message,) = mail.outbox
    link = re.search(r"https?://\S+?(/accounts/password/reset/\S+)", message.body).group(1)

    page.goto(f"{url}{link}")
    page.wait_for_url(re.compile(r"/set-password/$"))
    page.get_by_label(NEW_PASSWORD_LABEL).fill(NEWER)
    page.get_by_label("New password confirmation").fill(NEWER)
    page.get_by_role("button", name="Set the password").click()
    page.wait_for_url(re.compile(r"/accounts/login/$"))
    _sign_in(page, url, "e2e_liaison", NEWER)
    page.wait_for_url(f"{url}/")
    page.locator("#sign-out button").click()
    page.wait_for_url(re.compile(r"/accounts/login/$"))

    # The same link a second time: refused.
    page.goto(f"{url}{link}")
    assert page.locator("h1").inner_text() == "This link does not work"
    assert page.get_by_label(NEW_PASSWORD_LABEL).count() == 0
