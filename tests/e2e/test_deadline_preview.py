"""The date a deadline gives, shown in a real browser as it is typed (htmx asks the server,
which holds the one rule for counting working days), and the warning for a date that has
passed, with the box that keeps it."""

import re
from datetime import date

import pytest
import time_machine

from issues import services
from issues.models import Issue
from tests import factories
from tests.e2e.test_ledger_flow import sign_in

pytestmark = pytest.mark.e2e


@pytest.mark.django_db(transaction=True)
def test_the_assign_form_shows_the_deadline_as_it_is_typed(live_server, page):
    base = live_server.url
    # Wed 18 Nov 2026; the clock runs so that the browser's waits behave.
    with time_machine.travel("2026-11-18 10:00 +0800", tick=True):
        staff = factories.UserFactory(username="e2e_staff", roles=["commerce_staff"])
        lead = factories.DepartmentFactory(code="pnr", name_en="Planning Bureau")
        issue = services.issue_create(
            actor=staff,
            title="Warehouse land-use permit",
            enterprise=factories.EnterpriseFactory(),
            category=factories.CategoryFactory(),
            source=Issue.Source.HOTLINE,
            raised_on=date(2026, 10, 28),
        )

        sign_in(page, base, "e2e_staff")
        page.goto(f"{base}/issues/{issue.pk}/assign/")
        page.locator("select[name=lead_department]").select_option(str(lead.pk))
        page.locator("input[name=deadline_working_days]").fill("5")

        preview = page.locator("#deadline-preview")
        preview.get_by_text(re.compile("The deadline will be 2026-11-25")).wait_for()
        assert "5 working days counted from today, 2026-11-18" in preview.inner_text()

        page.locator("input[name=deadline_working_days]").fill("")
        page.locator("input[name=deadline]").fill("2026-11-02")
        preview.get_by_text(re.compile("2026-11-02 has already passed")).wait_for()
        assert preview.locator("input[name=confirm_past_deadline]").count() == 1

        page.locator("input[name=deadline]").fill("")
        page.locator("input[name=deadline_working_days]").fill("5")
        preview.get_by_text(re.compile("2026-11-25")).wait_for()
        page.get_by_role("button", name="Assign", exact=True).click()
        page.wait_for_url(f"{base}/issues/{issue.pk}/")
        issue.refresh_from_db()
        assert issue.deadline == date(2026, 11, 25)
