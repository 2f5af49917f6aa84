"""Error pages: friendly, inside the layout, never a traceback."""

import html

import pytest
from django.template.loader import get_template
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_unknown_page_is_a_friendly_404(client, staff):
    client.force_login(staff)

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    body = html.unescape(response.content.decode())
    assert "Page not found" in body
    assert "Sign out" in body  # inside the normal layout


def test_500_page_renders_without_request_or_database(django_assert_num_queries):
    # Django's server_error view renders 500.html with an empty context.
    with django_assert_num_queries(0):
        body = get_template("500.html").render()

    assert "Something went wrong" in body
    assert "Traceback" not in body


def test_server_error_shows_the_500_page(staff, monkeypatch):
    from roundtable.dashboard import views

    def broken(*args, **kwargs):
        raise RuntimeError("boom: secret detail")

    monkeypatch.setattr(views, "_ledger_counts", broken)
    client = Client(raise_request_exception=False)
    client.force_login(staff)

    response = client.get(reverse("dashboard:home"))

    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong" in body
    assert "secret detail" not in body
    assert "RuntimeError" not in body


def test_403_page_is_friendly(rf, staff):
    from django.core.exceptions import PermissionDenied
    from django.views.defaults import permission_denied

    request = rf.get("/")
    request.user = staff

    response = permission_denied(request, PermissionDenied())

    assert response.status_code == 403
    assert "You cannot do this" in html.unescape(response.content.decode())
