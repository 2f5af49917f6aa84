"""Administrators manage users, departments, the calendar and reference data in the admin;
nobody else gets in, and issues there are read-only (the workflow lives in the portal)."""

import pytest
from django.contrib import admin

pytestmark = pytest.mark.django_db


def test_every_registered_model_lists_for_an_administrator(client, admin_user, issue_x):
    client.force_login(admin_user)
    for model in admin.site._registry:
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert client.get(url).status_code == 200, url


def test_an_administrator_can_publish_next_years_calendar(client, admin_user):
    from roundtable.workdays.models import CalendarYear

    client.force_login(admin_user)
    response = client.post(
        "/admin/workdays/calendaryear/add/",
        {"year": 2027, "published": "on", "source": "State Council notice", "note": ""},
    )
    assert response.status_code == 302
    row = CalendarYear.objects.get(year=2027)
    assert row.published
    assert row.history.latest().history_user == admin_user


def test_issues_are_read_only_in_the_admin(client, admin_user, issue_x):
    client.force_login(admin_user)
    response = client.post(f"/admin/issues/issue/{issue_x.pk}/change/", {"title": "Changed"})
    assert response.status_code == 403
    issue_x.refresh_from_db()
    assert issue_x.title != "Changed"
