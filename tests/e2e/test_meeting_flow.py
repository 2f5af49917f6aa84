"""A quarterly roundtable in a real browser: staff plan it, open the intake and record two
enterprises' concerns, hold it with attendance, turn three agreed points into ledger issues,
and see them on the meeting's list (清单)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from issues.models import Issue
from roundtable.meetings.models import IntakeItem, Meeting
from tests import factories
from tests.e2e.test_ledger_flow import sign_in
from tests.meetings.helpers import make_roundtable

pytestmark = pytest.mark.e2e


@pytest.mark.django_db(transaction=True)
def test_plan_hold_and_follow_a_quarterly_roundtable(live_server, page):
    base = live_server.url
    factories.UserFactory(username="e2e_staff", roles=["commerce_staff"], full_name="Staff Wu")
    monitor = factories.UserFactory(username="e2e_monitor", full_name="Monitor Sun")
    planning = factories.DepartmentFactory(code="pnr", name_en="Planning Bureau", name_zh="规划局")
    factories.DepartmentFactory(code="tax", name_en="Taxation Bureau", name_zh="税务局")
    make_roundtable(leading_department=planning)
    rhein = factories.EnterpriseFactory(name_en="Rhein Tools Co., Ltd.", name_zh="莱茵工具有限公司")
    sakura = factories.EnterpriseFactory(
        name_en="Sakura Foods Co., Ltd.", name_zh="樱花食品有限公司"
    )
    factories.CategoryFactory(code="land", name_en="Land use", name_zh="用地")
    starts = timezone.localtime(timezone.now() - timedelta(hours=1))

    sign_in(page, base, "e2e_staff")

    # Plan the quarter's roundtable with its participants.
    page.goto(f"{base}/meetings/new/?kind=roundtable")
    page.get_by_label("Topic").fill("Manufacturing and supply chains")
    page.get_by_label("Business fields").fill("Manufacturing, logistics")
    page.get_by_label("Starts").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Venue").fill("District Hall, room 1")
    page.locator("select[name=enterprises]").select_option([str(rhein.pk), str(sakura.pk)])
    page.get_by_label("Planning Bureau").check()
    page.get_by_label("Taxation Bureau").check()
    page.get_by_role("button", name="Plan the meeting").click()
    page.wait_for_url(re.compile(r"/meetings/\d+/$"))
    meeting = Meeting.objects.get()
    assert meeting.kind == Meeting.Kind.QUARTERLY_ROUNDTABLE
    assert page.locator("#meeting-status").inner_text() == "Planned"

    # The calendar no longer flags this quarter.
    page.goto(f"{base}/meetings/")
    quarter = (starts.month - 1) // 3 + 1
    assert "1 roundtable" in page.locator(f"#quarter-{quarter}").inner_text()
    page.get_by_role("link", name="Manufacturing and supply chains").first.click()
    page.wait_for_url(f"{base}/meetings/{meeting.pk}/")

    # Pre-meeting intake: two enterprises' concerns.
    page.get_by_role("link", name="Open the intake").click()
    page.get_by_role("button", name="Open intake").click()
    page.wait_for_url(f"{base}/meetings/{meeting.pk}/")
    assert page.locator("#meeting-status").inner_text() == "Intake open"
    page.get_by_role("link", name="Record a concern").first.click()
    for enterprise, text, department in [
        (rhein, "Warehouse land-use permit has waited three months.", "Planning Bureau"),
        (sakura, "Export tax refunds take too long.", "Taxation Bureau"),
    ]:
        page.locator("select[name=enterprise]").select_option(str(enterprise.pk))
        page.get_by_label("Concern").fill(text)
        page.get_by_label(department).check()
        page.get_by_role("button", name="Record and add another").click()
        page.wait_for_url(f"{base}/meetings/{meeting.pk}/intake/new/")
    page.goto(f"{base}/meetings/{meeting.pk}/")
    assert page.locator("#intake-items tbody tr").count() == 2
    assert IntakeItem.objects.filter(meeting=meeting).count() == 2

    # Holding it: attendance (everyone but Sakura came).
    page.locator("#meeting-actions").get_by_role("link", name="Record attendance").click()
    page.get_by_label(re.compile("樱花食品|Sakura Foods")).uncheck()
    page.get_by_role("button", name="Record attendance").click()
    page.wait_for_url(f"{base}/meetings/{meeting.pk}/")
    assert page.locator("#meeting-status").inner_text() == "Held"
    assert page.locator("#participants").get_by_text("absent").count() == 1

    # Three agreed points, each a ledger issue in one step.
    page.get_by_role("link", name="Agreed point → ledger issue").click()
    points = [
        ("Issue the warehouse permit", rhein, "Planning Bureau", "10"),
        ("Speed up export tax refunds", sakura, "Taxation Bureau", "15"),
        ("Joint site visit on loading bays", rhein, "Planning Bureau", "20"),
    ]
    for n, (title, enterprise, lead, days) in enumerate(points, start=1):
        page.locator("input[name=title]").fill(title)
        page.locator("select[name=enterprise]").select_option(str(enterprise.pk))
        page.locator("select[name=category]").select_option(label="Land use")
        page.locator("select[name=lead_department]").select_option(label=lead)
        page.locator("input[name=deadline_working_days]").fill(days)
        page.get_by_label("Follow-up requirement").fill("Report progress every week.")
        page.locator("select[name=monitor]").select_option(str(monitor.pk))
        last = n == len(points)
        button = "Put on the ledger" if last else "Put on the ledger and add another"
        page.get_by_role("button", name=button, exact=True).click()
        if last:
            page.wait_for_url(re.compile(rf"/meetings/{meeting.pk}/#list$"))
        else:
            page.wait_for_url(f"{base}/meetings/{meeting.pk}/points/new/")

    # The meeting's list shows all three with their live state.
    issues = list(Issue.objects.filter(meeting=meeting).order_by("pk"))
    assert len(issues) == 3
    assert all(i.status == Issue.Status.ASSIGNED and i.monitor == monitor for i in issues)
    listing = page.locator("#meeting-issues").inner_text()
    for issue, (title, *_rest) in zip(issues, points, strict=True):
        assert issue.reference in listing and title in listing
    assert listing.count("Assigned, awaiting acceptance") == 3
    assert page.locator("#list-summary").inner_text().startswith("3 issues")
