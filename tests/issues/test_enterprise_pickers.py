"""The enterprise pickers of the issue form when there are more enterprises than a select can
hold (issues/choice_fields.py, ``crowded``): a few are drawn and the search box finds the rest, but
the form accepts exactly what it accepts with a full select, active enterprises only."""

import pytest

from issues import choice_fields
from issues.models import Issue
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def crowded(monkeypatch):
    monkeypatch.setattr(choice_fields, "ENTERPRISE_SELECT_LIMIT", 2)
    return [factories.EnterpriseFactory() for _ in range(3)]


def _post(enterprise, other):
    return {
        "title": "Customs clearance of spare parts",
        "enterprise": enterprise.pk,
        "other_enterprises": [other.pk],
        "category": factories.CategoryFactory(code="customs").pk,
        "source": Issue.Source.HOTLINE,
        "raised_on": "",
        "priority": Issue.Priority.NORMAL,
    }


def test_a_crowded_form_refuses_an_inactive_enterprise(staff, crowded):
    client = factories.client_as(staff)
    closed = factories.EnterpriseFactory(is_active=False)
    for post in (_post(closed, crowded[0]), _post(crowded[0], closed)):
        response = client.post("/issues/new/", post)
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()
    assert not Issue.objects.exists()


def test_a_crowded_form_draws_a_few_enterprises_and_searches_the_server_for_the_rest(
    staff, crowded
):
    factories.EnterpriseFactory.create_batch(55)
    page = factories.client_as(staff).get("/issues/new/").content.decode()
    others = page[page.index('<select name="other_enterprises"') :]
    others = others[: others.index("</select>")]
    assert "data-search-url=" in others  # the searchable select asks the server for the rest
    assert others.count("<option") == 50  # the most recent; none chosen yet


def test_an_uncrowded_form_draws_every_active_enterprise(staff):
    shown = factories.EnterpriseFactory()
    closed = factories.EnterpriseFactory(is_active=False)
    page = factories.client_as(staff).get("/issues/new/").content.decode()
    assert '<select name="other_enterprises"' in page
    assert shown.credit_code in page and closed.credit_code not in page
