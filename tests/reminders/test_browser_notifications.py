"""In a real browser: a reminder run puts a notice in the header's count; the liaison opens
the list, reads why they got it, opens it (marking it read) and the count goes; a hostile title
stays text. The reminder log page filters for commerce staff."""

import re
from datetime import date

import pytest
import time_machine

from tests.e2e.test_ledger_flow import sign_in
from tests.reminders.conftest import at, make_issue

pytestmark = pytest.mark.e2e


@pytest.mark.django_db(transaction=True)
def test_a_reminder_in_the_header_count_the_list_and_the_log(live_server, page, people):
    base = live_server.url
    issue = make_issue(
        deadline=date(2026, 10, 14),
        lead=people["dept_a"],
        responsible=people["LA"],
        title='Warehouse permit <img src=x onerror=alert("t")>',
    )
    from roundtable.notifications import reminders

    with time_machine.travel(at(date(2026, 10, 16), 9), tick=False):
        reminders.reminders_run()

    sign_in(page, base, "liaison_a")
    badge = page.locator("#notifications-link .badge")
    assert badge.inner_text() == "1"
    page.locator("#notifications-link").click()
    page.wait_for_url(f"{base}/notifications/")
    notice = page.locator("#notifications li").first
    assert issue.reference in notice.inner_text()
    assert '<img src=x onerror=alert("t")>' in notice.inner_text()  # shown as text
    assert "Why you got this: You are the person responsible for this overdue issue." in (
        notice.inner_text()
    )
    notice.get_by_role("button", name="Open and mark as read").click()
    page.wait_for_url(f"{base}/issues/{issue.pk}/")
    assert page.locator("#notifications-link .badge").count() == 0

    # Commerce staff read the log, filtered to this liaison.
    page.locator("#sign-out button").click()
    page.wait_for_url(re.compile(r"/accounts/login/$"))
    sign_in(page, base, "staff")
    page.goto(f"{base}/reminders/log/")
    page.get_by_label("Recipient (name or username)").fill("liaison_a")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"recipient=liaison_a"))
    rows = page.locator("#reminder-log tbody tr")
    assert rows.count() == 1
    assert issue.reference in rows.first.inner_text() and "Sent" in rows.first.inner_text()
