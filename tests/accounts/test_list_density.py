"""Compact rows in the lists (issue 16): a preference of the reader, set by a small POST form
beside each list and kept on the user, not in the user's history."""

import pytest

from roundtable.accounts.models import User
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/accounts/preferences/density/"


def test_the_reader_turns_compact_rows_on_and_off_and_returns_to_the_list(client):
    user = factories.UserFactory(roles=["commerce_staff"])
    client.force_login(user)
    history = user.history.count()
    response = client.post(URL, {"compact": "1", "next": "/issues/?status=closed"})
    assert response.status_code == 302
    assert response["Location"] == "/issues/?status=closed"
    assert User.objects.get(pk=user.pk).compact_lists
    page = client.get("/issues/").content.decode()
    assert 'class="ledger issue-table stack-cards is-compact"' in page
    assert 'name="compact" value="0" aria-pressed="true"' in page
    client.post(URL, {"compact": "0", "next": "/issues/"})
    assert not User.objects.get(pk=user.pk).compact_lists
    assert "is-compact" not in client.get("/issues/").content.decode()
    assert user.history.count() == history  # a preference, not an account change


def test_it_returns_only_to_this_site_and_only_by_post(client):
    client.force_login(factories.UserFactory())
    response = client.post(URL, {"compact": "1", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    assert client.get(URL).status_code == 405


def test_it_needs_a_signed_in_reader(client):
    response = client.post(URL, {"compact": "1"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
