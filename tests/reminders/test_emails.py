"""The e-mails: plain text and HTML, in the recipient's language, a link to the subject and
why they got it; hostile titles stay literal (SECURITY.md §2 cases 8 and 10)."""

import email
from datetime import date
from email import policy

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from roundtable.notifications.models import Notification, ReminderLog
from tests import factories
from tests.reminders.conftest import at, make_issue, pending, run

pytestmark = pytest.mark.django_db

DAY = date(2026, 10, 16)


def _only_message_to(user):
    [message] = [m for m in mail.outbox if m.to == [user.email]]
    return message


def _html(message):
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return html


def test_a_reminder_has_text_and_html_a_link_and_the_reason(people, settings):
    settings.SITE_URL = "https://roundtable.example.gov.cn"
    issue = make_issue(
        deadline=date(2026, 10, 14),
        lead=people["dept_a"],
        responsible=people["RA"],
        title="Warehouse permit",
    )
    run(DAY)
    message = _only_message_to(people["RA"])
    url = "https://roundtable.example.gov.cn" + reverse("issues:detail", args=[issue.pk])
    assert message.subject == f"Overdue by 2 working days: {issue.reference} Warehouse permit"
    assert url in message.body and url in _html(message)
    assert (
        "Why you got this: You are the person responsible for this overdue issue." in message.body
    )
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    assert message.from_email == settings.DEFAULT_FROM_EMAIL


def test_one_message_per_recipient_lists_each_reminder_with_its_reason(people):
    make_issue(deadline=date(2026, 10, 14), lead=people["dept_a"], monitor=people["Mo"])
    make_issue(deadline=date(2026, 10, 15), lead=people["dept_a"], monitor=people["Mo"])
    run(DAY)
    message = _only_message_to(people["HA"])
    rows = ReminderLog.objects.filter(recipient=people["HA"])
    assert message.subject == f"Roundtable: {rows.count()} reminders"
    # Sections by kind: the two overdue issues share their reason, said once.
    assert "== Overdue (2) ==" in message.body
    assert (
        message.body.count(
            "Why you got these: You head Department A, the lead department of this overdue issue."
        )
        == 1
    )
    assert message.body.count("Why you got this:") == 1  # the digest's own
    for issue_row in rows.filter(kind="overdue"):
        assert issue_row.issue.reference in message.body


def test_a_long_list_is_cut_short_and_points_to_the_notifications(people, settings):
    settings.ROUNDTABLE = {**settings.ROUNDTABLE, "REMINDER_ITEMS_LISTED_PER_KIND": 3}
    issues = [
        make_issue(deadline=date(2026, 10, 14), lead=people["dept_a"], responsible=people["RA"])
        for _ in range(5)
    ]
    run(DAY)
    message = _only_message_to(people["RA"])
    assert "== Overdue (5) ==" in message.body
    assert sum(issue.reference in message.body for issue in issues) == 3
    assert "… and 2 more like these; all are in your notifications:" in message.body
    assert "/notifications/" in message.body
    # Every one of them is logged as sent, and is in the in-app list.
    assert ReminderLog.objects.filter(recipient=people["RA"], status="sent").count() == 5
    assert Notification.objects.filter(recipient=people["RA"]).count() == 5


def test_the_message_is_in_the_recipients_language(people):
    people["HA"].preferred_language = "zh-hans"
    people["HA"].save()
    make_issue(deadline=date(2026, 10, 14), lead=people["dept_a"], responsible=people["RA"])
    run(DAY)
    chinese = _html(_only_message_to(people["HA"]))
    english = _html(_only_message_to(people["RA"]))
    assert '<html lang="zh-hans">' in chinese and '<html lang="en">' in english
    # The department's name follows the language, whatever the catalogue holds.
    assert "甲局" in _only_message_to(people["HA"]).body
    assert "Department A" not in _only_message_to(people["HA"]).body
    log = ReminderLog.objects.get(recipient=people["HA"], kind="overdue")
    assert "甲局" in log.reason


def test_html_is_escaped_and_the_text_part_is_literal(people):
    hostile = '<script>alert(1)</script> "><img src=x onerror=alert(1)>'
    dept = people["dept_a"]
    dept.name_en = "</textarea><svg onload=alert(1)>"
    dept.save()
    make_issue(
        deadline=date(2026, 10, 14),
        lead=dept,
        responsible=people["RA"],
        monitor=people["Mo"],
        title=hostile,
    )
    run(DAY)
    for message in mail.outbox:
        html = _html(message)
        assert "<script>" not in html and "<img" not in html and "<svg" not in html
    head = _only_message_to(people["HA"])
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in _html(head)
    assert "&lt;/textarea&gt;&lt;svg onload=alert(1)&gt;" in _html(head)
    assert hostile in head.body  # plain text: as typed


def test_a_title_with_a_line_break_cannot_add_a_header(people):
    issue = make_issue(
        deadline=date(2026, 10, 14),
        lead=people["dept_a"],
        responsible=people["RA"],
        title="T\r\nBcc: a@evil.example",
    )
    report = run(DAY)
    assert report.delivery.failed == report.delivery.retry == 0
    message = _only_message_to(people["RA"])
    assert "\r" not in message.subject and "\n" not in message.subject
    assert message.subject.endswith(f"{issue.reference} T Bcc: a@evil.example")
    assert message.recipients() == [people["RA"].email]
    parsed = email.message_from_bytes(message.message().as_bytes(), policy=policy.default)
    assert parsed["Bcc"] is None
    assert "a@evil.example" not in (parsed["To"] or "") + (parsed["Cc"] or "")


def test_a_service_notification_is_emailed_with_its_reason(people):
    issue = make_issue(deadline=date(2026, 12, 1), lead=people["dept_a"])
    saturday = date(2026, 10, 17)  # notices still go
    with time_machine.travel(at(saturday, 10, 55), tick=False):  # written 10 minutes before
        Notification.objects.create(
            recipient=people["LA"],
            issue=issue,
            title=f"{issue.reference} assigned to your department",
            reason="Your department was assigned this issue.",
            url=f"/issues/{issue.pk}/",
        )
    _caught_up, report = pending(saturday, 11)
    assert report.sent == 1
    message = _only_message_to(people["LA"])
    assert message.subject == f"{issue.reference} assigned to your department"
    assert "Why you got this: Your department was assigned this issue." in message.body
    assert f"/issues/{issue.pk}/" in message.body


def test_a_user_without_an_email_address_is_logged_as_failed_with_the_reason(people):
    people["RA"].email = ""
    people["RA"].save()
    make_issue(deadline=date(2026, 10, 14), lead=people["dept_a"], responsible=people["RA"])
    run(DAY)
    row = ReminderLog.objects.get(recipient=people["RA"])
    assert (row.status, row.error) == ("failed", "no e-mail address")
    # The in-app notice is there all the same.
    assert Notification.objects.filter(reminder=row, recipient=people["RA"]).exists()


def test_the_weekly_digest_lists_the_monitors_and_the_heads_issues(people):
    overdue = make_issue(
        deadline=date(2026, 10, 14), lead=people["dept_a"], monitor=people["Mo"], title="Late one"
    )
    soon = make_issue(
        deadline=date(2026, 10, 19), lead=people["dept_a"], monitor=people["Mo"], title="Soon one"
    )
    done = make_issue(
        deadline=date(2026, 10, 30),
        lead=people["dept_a"],
        monitor=people["Mo"],
        status="concluded",
        concluded_on=date(2026, 10, 13),
        title="Done one",
    )
    factories.IssueFactory(monitor=people["Mo"], status="in_progress", title="Unassigned")
    run(DAY)
    body = _only_message_to(people["Mo"]).body
    digest = body[body.index("Weekly supervision digest") :]
    assert "Issues you monitor" in digest
    assert "4 open, 1 overdue, 1 due soon, 1 concluded in the last 7 days." in digest
    for issue in (soon, done):
        assert issue.reference in digest
    # The overdue one has its own line above (the monitor's overdue reminder): listed once.
    assert body.count(overdue.reference) == 1
    assert overdue.reference not in digest
    assert "1 more is listed above." in digest
    assert f"?monitor={people['Mo'].pk}" in digest
    head = _only_message_to(people["HA"]).body
    assert "Department A" in head and f"department={people['dept_a'].pk}" in head


def test_an_in_app_notice_is_written_with_each_reminder(people):
    issue = make_issue(deadline=date(2026, 10, 14), lead=people["dept_a"], responsible=people["RA"])
    run(DAY)
    notice = Notification.objects.get(recipient=people["RA"], reminder__kind="overdue")
    assert notice.title == f"Overdue by 2 working days: {issue.reference} {issue.title}"
    assert notice.reason == "You are the person responsible for this overdue issue."
    assert notice.url == reverse("issues:detail", args=[issue.pk])
    assert notice.issue == issue and notice.read_at is None
