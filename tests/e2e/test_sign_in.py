"""A user signs in, switches to 中文, and signs out, in a real browser."""

import re

import pytest

from tests import factories
from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e


@pytest.mark.django_db(transaction=True)
def test_sign_in_switch_language_and_sign_out(live_server, page):
    user = factories.UserFactory(
        username="e2e_staff", full_name="Li Wei", preferred_language="en", roles=["commerce_staff"]
    )

    page.goto(f"{live_server.url}/")
    page.wait_for_url(re.compile(r"/accounts/login/\?next=/$"))
    assert page.locator("html").get_attribute("lang") == "en"

    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == "Commerce staff workbench"
    assert "Li Wei" in page.locator(".account").inner_text()
    assert page.get_by_role("button", name="English").get_attribute("aria-pressed") == "true"

    page.get_by_role("button", name="中文").click()
    page.wait_for_function("document.documentElement.lang === 'zh-hans'")
    assert page.get_by_role("button", name="中文").get_attribute("aria-pressed") == "true"
    user.refresh_from_db()
    assert user.preferred_language == "zh-hans"

    page.locator("#sign-out button").click()
    page.wait_for_url(re.compile(r"/accounts/login/$"))
    assert page.locator('input[name="username"]').is_visible()
    assert page.locator("#sign-out").count() == 0

    # The back button does not bring the signed-in page back.
    page.go_back()
    page.wait_for_load_state()
    assert page.locator("#sign-out").count() == 0
