"""Personal API tokens: made on the account page with the key shown once and stored only as
a hash, refused once revoked or when their owner is deactivated, a read-only token refused on
a write, a rate per token, and the session's CSRF check on the API."""

import hashlib
import re
from datetime import date

import pytest
import time_machine
from django.test import Client

from issues.models import Issue
from roundtable.accounts import api_tokens
from roundtable.accounts.models import ApiToken
from roundtable.api.throttles import TokenRateThrottle
from tests import factories

pytestmark = pytest.mark.django_db
KEY = re.compile(r"rt_[A-Za-z0-9_-]{43}")


def _bearer(key):
    return {"Authorization": f"Bearer {key}"}


def test_a_token_is_shown_once_and_stored_only_as_its_hash(client, liaison_a):
    client.force_login(liaison_a)
    made = client.post("/accounts/api-tokens/", {"name": "Hotline 12345", "scope": "read"})
    assert made.status_code == 201
    key = KEY.search(made.content.decode()).group()
    token = ApiToken.objects.get()
    assert (token.user, token.name, token.scope) == (liaison_a, "Hotline 12345", "read")
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert token.prefix == key[:11]
    stored = [str(getattr(token, f.attname)) for f in ApiToken._meta.concrete_fields]
    assert not any(key in value for value in stored)
    assert made["Cache-Control"].startswith("max-age=0") or "no-store" in made["Cache-Control"]
    # The account page lists it by its first characters, never the key again.
    page = client.get("/accounts/").content.decode()
    assert "Hotline 12345" in page and token.prefix in page and key not in page
    assert client.get("/api/issues/", headers=_bearer(key)).status_code == 200


def test_both_keywords_are_accepted_and_malformed_headers_refused(client, liaison_a):
    _token, key = api_tokens.token_create(user=liaison_a, name="x", scope="read")
    assert client.get("/api/issues/", headers={"Authorization": f"Token {key}"}).status_code == 200
    for header in ["Bearer", f"Bearer {key} extra", "Bearer rt_unknown", f"Bearer {key[:-1]}"]:
        response = client.get("/api/issues/", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_revoked_token_is_refused(client, liaison_a):
    token, key = api_tokens.token_create(user=liaison_a, name="Old system", scope="write")
    client.force_login(liaison_a)
    assert client.post(f"/accounts/api-tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    anonymous = Client()
    assert anonymous.get("/api/issues/", headers=_bearer(key)).status_code == 401
    assert "revoked" in client.get("/accounts/").content.decode()


def test_the_token_of_a_deactivated_user_is_refused(client, liaison_a):
    _token, key = api_tokens.token_create(user=liaison_a, name="x", scope="read")
    liaison_a.is_active = False
    liaison_a.save()
    assert client.get("/api/issues/", headers=_bearer(key)).status_code == 401


def test_a_read_only_token_may_not_write(client, staff, enterprise_1):
    _token, key = api_tokens.token_create(user=staff, name="reader", scope="read")
    category = factories.CategoryFactory()
    response = client.post(
        "/api/issues/",
        {"title": "x", "enterprise": enterprise_1.pk, "category": category.pk, "source": "hotline"},
        content_type="application/json",
        headers=_bearer(key),
    )
    assert response.status_code == 403
    assert not Issue.objects.exists()


def test_a_user_holds_at_most_twenty_live_tokens(client, liaison_a):
    for n in range(api_tokens.TOKENS_MAX):
        api_tokens.token_create(user=liaison_a, name=f"t{n}", scope="read")
    client.force_login(liaison_a)
    refused = client.post("/accounts/api-tokens/", {"name": "one more", "scope": "read"})
    assert refused.status_code == 409
    assert "revoke one first" in refused.content.decode()
    assert ApiToken.objects.count() == api_tokens.TOKENS_MAX


def test_each_token_has_its_own_rate(client, liaison_a, monkeypatch):
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"api": "3/min"})
    _first, key_1 = api_tokens.token_create(user=liaison_a, name="one", scope="read")
    _second, key_2 = api_tokens.token_create(user=liaison_a, name="two", scope="read")
    answers = [client.get("/api/issues/", headers=_bearer(key_1)).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    assert client.get("/api/issues/", headers=_bearer(key_2)).status_code == 200


def test_the_session_needs_the_csrf_token_to_write(staff, enterprise_1):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff)
    category = factories.CategoryFactory()
    body = {"title": "x", "enterprise": enterprise_1.pk, "category": category.pk}
    response = browser.post(
        "/api/issues/", {**body, "source": "hotline"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert not Issue.objects.exists()
    assert browser.get("/api/issues/").status_code == 200


def test_a_token_works_through_its_last_day_and_is_refused_after_it(client, liaison_a):
    with time_machine.travel("2026-09-29 10:00 +0800", tick=False):
        client.force_login(liaison_a)
        made = client.post(
            "/accounts/api-tokens/",
            {"name": "Until the quarter ends", "scope": "read", "last_day": "2026-09-30"},
        )
        assert made.status_code == 201
        key = KEY.search(made.content.decode()).group()
        assert "2026-09-30" in client.get("/accounts/").content.decode()
    with time_machine.travel("2026-09-30 23:59 +0800", tick=False):
        assert client.get("/api/issues/", headers=_bearer(key)).status_code == 200
    with time_machine.travel("2026-10-01 00:00 +0800", tick=False):
        refused = Client().get("/api/issues/", headers=_bearer(key))
        assert refused.status_code == 401
        assert refused["WWW-Authenticate"] == 'Bearer realm="api"'
        assert "2026-09-30" in refused.json()["detail"]
        client.force_login(liaison_a)  # a sign-in lasts hours, not days
        page = client.get("/accounts/").content.decode()
        assert "expired" in page


def test_a_last_day_in_the_past_is_refused_and_the_form_keeps_what_was_typed(client, liaison_a):
    with time_machine.travel("2026-09-29 10:00 +0800", tick=False):
        client.force_login(liaison_a)
        refused = client.post(
            "/accounts/api-tokens/",
            {"name": "Yesterday's", "scope": "write", "last_day": "2026-09-28"},
        )
        assert refused.status_code == 400
        page = refused.content.decode()
        assert "cannot be in the past" in page and "Yesterday&#x27;s" in page
        assert not ApiToken.objects.exists()


def test_a_read_only_token_is_refused_on_every_write_of_the_schema(client, staff, issue_x):
    """Every write operation the schema lists answers 403 to a read-only token, before any
    check of the body or the precondition, and writes nothing."""
    _token, key = api_tokens.token_create(user=staff, name="reader", scope="read")
    schema = client.get("/api/schema/?format=json", headers=_bearer(key)).json()
    version = Issue.objects.get(pk=issue_x.pk).version
    writes = [
        (path, method)
        for path, item in schema["paths"].items()
        for method in item
        if method in {"post", "put", "patch", "delete"}
    ]
    assert len(writes) >= 10
    for path, method in writes:
        url = re.sub(r"\{[a-z_]+\}", "1", path)
        response = getattr(client, method)(
            url, {}, content_type="application/json", headers=_bearer(key)
        )
        assert response.status_code == 403, (method, path, response.status_code)
    assert Issue.objects.get(pk=issue_x.pk).version == version


def test_an_expired_tokens_refusal_is_in_its_owners_language(client, liaison_a):
    liaison_a.preferred_language = "zh-hans"
    liaison_a.save()
    with time_machine.travel("2026-09-29 10:00 +0800", tick=False):
        _token, key = api_tokens.token_create(
            user=liaison_a, name="x", scope="read", last_day=date(2026, 9, 29)
        )
    with time_machine.travel("2026-09-30 09:00 +0800", tick=False):
        refused = client.get("/api/issues/", headers=_bearer(key))
    assert refused.status_code == 401
    assert refused.json()["detail"].startswith("此令牌已于 2026-09-29 之后过期")
