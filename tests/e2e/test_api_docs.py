"""The API's documentation page in a real browser: Swagger UI, vendored, draws the schema
under the portal's Content-Security-Policy without one violation, and a token made on the
account page is shown once."""

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.e2e.test_csp import watched  # noqa: F401 - the fixture
from tests.e2e.test_ledger_flow import sign_in

pytestmark = pytest.mark.e2e


@pytest.mark.django_db(transaction=True)
def test_the_docs_page_draws_the_schema_within_the_policy(live_server, watched):  # noqa: F811
    page, problems = watched
    base = live_server.url
    factories.UserFactory(username="e2e_staff", roles=["commerce_staff"])
    sign_in(page, base, "e2e_staff")

    page.goto(f"{base}/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Roundtable API")
    expect(page.locator(".swagger-ui .opblock-summary-path").first).to_be_visible()
    assert page.locator(".opblock-summary-path", has_text="/api/issues/{id}/progress/").count()

    page.goto(f"{base}/accounts/")
    page.locator("input[name=name]").fill("Hotline 12345")
    page.get_by_role("button", name="Make the token").click()
    key = page.locator("#new-api-key code").inner_text()
    assert re.fullmatch(r"rt_[A-Za-z0-9_-]{43}", key)
    page.goto(f"{base}/accounts/")
    assert key not in page.content()
    assert problems == []
