"""The whole life of an issue in a real browser: staff logs and assigns it, the lead
department's liaison accepts, posts progress and reports the conclusion, staff verifies and
closes it, and the ledger's filter then shows it as closed."""

import re

import pytest
from playwright.sync_api import expect

from departments.models import DepartmentMembership
from issues.models import Issue
from tests import factories
from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e


def sign_in(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


def sign_out(page):
    page.locator("#sign-out button").click()
    page.wait_for_url(re.compile(r"/accounts/login/$"))


@pytest.mark.django_db(transaction=True)
def test_issue_from_logging_to_closing(live_server, page):
    base = live_server.url
    factories.UserFactory(username="e2e_staff", roles=["commerce_staff"], full_name="Staff Wu")
    liaison = factories.UserFactory(username="e2e_liaison", full_name="Liaison Zhao")
    lead = factories.DepartmentFactory(code="pnr", name_en="Planning Bureau", name_zh="规划局")
    factories.MembershipFactory(
        user=liaison, department=lead, role=DepartmentMembership.Role.LIAISON
    )
    enterprise = factories.EnterpriseFactory(name_en="Rhein Tools Co., Ltd.")
    factories.CategoryFactory(code="land", name_en="Land use", name_zh="用地")

    # Staff logs the issue and assigns it in one step.
    sign_in(page, base, "e2e_staff")
    page.goto(f"{base}/issues/new/")
    page.get_by_label("Title").fill("Warehouse land-use permit")
    page.get_by_label("Description").fill("The permit has waited three months.")
    page.locator("select[name=enterprise]").select_option(str(enterprise.pk))
    page.locator("select[name=category]").select_option(label="Land use")
    page.locator("select[name=source]").select_option("visit")
    page.locator("select[name=lead_department]").select_option(str(lead.pk))
    page.locator("input[name=deadline_working_days]").fill("10")
    page.get_by_role("button", name="Log issue", exact=True).click()
    page.wait_for_url(re.compile(r"/issues/\d+/$"))
    assert "Assigned, awaiting acceptance" in page.locator("#issue-status").inner_text()
    issue = Issue.objects.get()
    sign_out(page)

    # The liaison accepts, reports progress, then the conclusion.
    sign_in(page, base, "e2e_liaison")
    page.goto(f"{base}/issues/{issue.pk}/")
    # Accepting and posting progress are boosted by htmx: the page is replaced in place, so
    # wait for what it shows rather than for a load.
    page.locator("#accept-button").click()
    expect(page.locator("#issue-status")).to_have_text("In progress")
    page.locator("#progress-form textarea[name=body]").fill("Site inspection done.")
    page.get_by_role("button", name="Post progress").click()
    expect(page.locator("#timeline")).to_contain_text("Site inspection done.")
    assert page.url == f"{base}/issues/{issue.pk}/"
    page.get_by_text("Report the conclusion").click()
    page.locator("#conclude-form textarea[name=resolution]").fill("Permit issued.")
    page.get_by_role("button", name="Report conclusion").click()
    page.wait_for_url(f"{base}/issues/{issue.pk}/")
    assert page.locator("#issue-status").inner_text() == "Conclusion reported"
    sign_out(page)

    # Staff verifies with the enterprise's satisfaction and closes it.
    sign_in(page, base, "e2e_staff")
    page.goto(f"{base}/issues/{issue.pk}/")
    page.locator("#close-form").get_by_label("Basically satisfied").check()
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(f"{base}/issues/{issue.pk}/")
    assert page.locator("#issue-status").inner_text() == "Closed"

    # The ledger filtered to closed issues shows it.
    page.goto(f"{base}/issues/")
    page.locator("#ledger-filters summary").click()  # the filters fold to one line
    page.locator("input[name=status][value=closed]").check()
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"status=closed"))
    expect(page.locator("#ledger-count")).to_have_text(re.compile(r"^1 "))
    assert issue.reference in page.locator("#ledger-results").inner_text()
