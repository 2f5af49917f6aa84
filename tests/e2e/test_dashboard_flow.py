"""The chairperson in a real browser: signs in, opens the dashboard, switches to the third
quarter of 2026, clicks a department's overdue figure and lands on the ledger showing as many
issues."""

import re

import pytest

from tests import factories
from tests.conftest import PASSWORD
from tests.dashboard import world

pytestmark = pytest.mark.e2e


@pytest.mark.django_db(transaction=True)
def test_chair_follows_a_departments_overdue_figure_to_the_ledger(live_server, page):
    base = live_server.url
    chair = factories.UserFactory(username="e2e_chair", full_name="Chair Chen", roles=["chair"])
    staff = factories.UserFactory(username="e2e_staff", roles=["commerce_staff"])
    dept_a = factories.DepartmentFactory(code="dept-a", name_en="Department A", name_zh="甲局")
    dept_b = factories.DepartmentFactory(code="dept-b", name_en="Department B", name_zh="乙局")
    world.build(dept_a, dept_b, staff)

    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(chair.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")

    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Dashboard"
    ).click()
    page.wait_for_url(f"{base}/dashboard/")
    assert "Chairperson's dashboard" in page.locator("h1").inner_text()

    page.locator("#period-select").select_option("2026Q3")
    page.locator("#period-show").click()
    page.wait_for_url(re.compile(r"/dashboard/\?period=2026Q3$"))
    assert "Q3 2026" in page.locator("h1").inner_text()
    # The trend chart has a text alternative; its bars link to the ledger, so it is a group
    # of links rather than an image (whose content would be hidden from assistive technology).
    assert page.locator("svg.chart[role=group]").first.get_attribute("aria-labelledby")

    overdue = page.locator('#league-table tr[data-department="dept-a"] td[data-kpi="overdue"] a')
    expected = int(overdue.get_attribute("data-count"))
    assert expected > 0
    assert overdue.inner_text() == str(expected)
    overdue.click()
    page.wait_for_url(re.compile(rf"/issues/\?overdue=1&lead={dept_a.pk}$"))
    assert page.locator("#ledger-count").inner_text().startswith(f"{expected} ")
    assert page.locator("#ledger-results tbody tr").count() == expected
