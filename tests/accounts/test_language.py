"""The English/中文 switch: stored on the user when signed in, in a cookie otherwise."""

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _switch(client, language, next_url="/"):
    return client.post(reverse("accounts:set_language"), {"language": language, "next": next_url})


def test_switching_to_chinese_is_stored_on_the_user(client, staff):
    client.force_login(staff)

    response = _switch(client, "zh-hans", next_url=reverse("dashboard:home"))

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:home")
    staff.refresh_from_db()
    assert staff.preferred_language == "zh-hans"
    page = client.get(reverse("dashboard:home"))
    assert '<html lang="zh-hans">' in page.content.decode()
    assert 'aria-pressed="true">中文' in page.content.decode()


def test_switching_back_to_english(client, staff):
    staff.preferred_language = "zh-hans"
    staff.save()
    client.force_login(staff)

    _switch(client, "en")

    staff.refresh_from_db()
    assert staff.preferred_language == "en"
    assert '<html lang="en">' in client.get(reverse("dashboard:home")).content.decode()


def test_the_users_preference_wins_over_another_browsers_cookie(client, staff):
    staff.preferred_language = "zh-hans"
    staff.save()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(staff)

    page = client.get(reverse("dashboard:home"))

    assert '<html lang="zh-hans">' in page.content.decode()


def test_anonymous_switch_sets_the_cookie(client):
    response = _switch(client, "zh-hans", next_url=reverse("accounts:login"))

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "zh-hans"
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    page = client.get(reverse("accounts:login"))
    assert '<html lang="zh-hans">' in page.content.decode()


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example", "//evil.example", "/\\evil.example", "https://portal@evil.example"],
)
def test_unsafe_next_is_not_followed(client, next_url):
    response = _switch(client, "en", next_url=next_url)

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_unknown_language_changes_nothing(client, staff):
    client.force_login(staff)

    response = _switch(client, "xx")

    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    staff.refresh_from_db()
    assert staff.preferred_language == "en"


def test_language_switch_is_post_only(client):
    assert client.get(reverse("accounts:set_language")).status_code == 405
