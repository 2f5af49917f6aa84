"""The site the layout tests measure: the demo (every role's logins, ~150 issues, meetings,
enterprises with contacts), plus enough long rows to fill a screen where a list is measured:
25 issues in progress in the demo liaison's department, with long titles and enterprise
names, and 25 meetings in one month."""

import io
from datetime import datetime, time, timedelta

from django.core.management import call_command
from django.utils import timezone

from departments.models import Department
from issues.models import Assignment, Issue
from roundtable.accounts.models import User
from roundtable.meetings.models import Meeting, Roundtable
from tests import factories

PASSWORD = "roundtable-demo"
ROLES = ("admin", "chair", "staff", "head", "liaison")
LONG_LIST = 25


def build() -> dict:
    call_command("load_demo", "--force", stdout=io.StringIO())
    today = timezone.localdate()
    dept = Department.objects.get(code="pnr")
    for n in range(LONG_LIST):
        issue = factories.IssueFactory(
            year=2030,
            title=f"Renewal of the land-use rights of a warehouse and its loading bays, case {n}",
            enterprise=factories.EnterpriseFactory(
                name_en=f"Rheinland Präzisionswerkzeuge Holding {n} (Chongqing) Co., Ltd."
            ),
            status=Issue.Status.IN_PROGRESS,
            deadline=today + timedelta(days=40 + n),
        )
        factories.AssignmentFactory(issue=issue, department=dept, status=Assignment.Status.ACCEPTED)
    # The first month of this quarter, so that it is the quarter view's first section.
    first_month = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    roundtable = Roundtable.objects.first()
    staff = User.objects.get(username="staff")
    for n in range(LONG_LIST):
        Meeting.objects.create(
            roundtable=roundtable,
            kind=Meeting.Kind.ONE_ON_ONE,
            topic=f"Service visit on cross-border logistics and customs clearance, part {n}",
            venue="Yuzhong District Commerce Commission, meeting room 3, 12th floor",
            starts_at=timezone.make_aware(
                datetime.combine(first_month + timedelta(days=n % 20), time(9, 0))
            ),
            status=Meeting.Status.PLANNED,
            created_by=staff,
        )
    quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    return {"quarter": quarter}


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_url(f"{base}/")


def switch_language(page, language: str) -> None:
    """``language``: "en" or "zh-hans", with the header's switch (stored on the user)."""
    page.locator(f".lang-switch button[value={language}]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == language
