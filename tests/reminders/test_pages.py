"""The reminder log (operators), the user's notifications with the unread count in the
header, and the chairperson's attention list."""

import html
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from issues.models import Issue
from roundtable.notifications.models import Notification, ReminderLog
from roundtable.notifications.reminders import issues_escalate
from tests.reminders.conftest import make_issue, run

pytestmark = pytest.mark.django_db

LOG = "/reminders/log/"


def _log_rows(people, n=60):
    issue = make_issue(deadline=date(2026, 10, 14), lead=people["dept_a"])
    rows = []
    for i in range(n):
        rows.append(
            ReminderLog(
                kind="overdue" if i % 3 else "deadline_soon",
                subject_key=f"issue:{issue.pk}",
                issue=issue,
                recipient=people["LA"] if i % 2 else people["Mo"],
                due_on=date(2026, 9, 1) + timedelta(days=i),
                status="sent" if i % 5 else "failed",
                error="" if i % 5 else "SMTP 550: no such user",
                reason="Why: test",
            )
        )
    ReminderLog.objects.bulk_create(rows)
    return issue


def test_the_reminder_log_lists_filters_and_pages(client, people):
    issue = _log_rows(people)
    client.force_login(people["St"])
    page = client.get(LOG).content.decode()
    assert "60 entries" in page and "before=" in page and "after=" not in page
    assert reverse("issues:detail", args=[issue.pk]) in page  # staff may open the issue

    filtered = client.get(LOG, {"kind": "deadline_soon"}).content.decode()
    assert "20 entries" in filtered
    failed = client.get(LOG, {"status": "failed", "recipient": "monitor"}).content.decode()
    assert "6 entries" in failed and "SMTP 550: no such user" in failed
    dates = client.get(LOG, {"due_from": "2026-09-10", "due_to": "2026-09-19"}).content.decode()
    assert "10 entries" in dates


def _shown_ids(response):
    return [row.pk for row in response.context["rows"]]


def test_the_log_pages_newest_first_by_id_both_ways_keeping_the_filter(client, people):
    _log_rows(people, 120)
    client.force_login(people["St"])
    everything = list(ReminderLog.objects.order_by("-pk").values_list("pk", flat=True))
    first = client.get(LOG)
    assert _shown_ids(first) == everything[:50]
    older = first.context["older"]
    second = client.get(LOG, {"before": older})
    assert _shown_ids(second) == everything[50:100]
    third = client.get(LOG, {"before": second.context["older"]})
    assert _shown_ids(third) == everything[100:] and third.context["older"] is None
    back = client.get(LOG, {"after": third.context["newer"]})
    assert _shown_ids(back) == everything[50:100]
    assert _shown_ids(client.get(LOG, {"after": back.context["newer"]})) == everything[:50]

    # The filter stays in the links.
    overdue = client.get(LOG, {"kind": "overdue"})
    assert f"?kind=overdue&amp;before={overdue.context['older']}" in overdue.content.decode()
    assert "80 entries" in overdue.content.decode()


def test_the_log_page_never_counts_the_whole_table(client, people, monkeypatch):
    """Every count on the page is bounded (COUNT over a LIMITed subquery): the log grows by
    about 13,000 rows a day at 100,000 issues. Past the cap the page says "more than"."""
    from roundtable.notifications import views as views_reminders

    monkeypatch.setattr(views_reminders, "LOG_COUNT_CAP", 25)
    _log_rows(people, 60)
    client.force_login(people["St"])
    with CaptureQueriesContext(connection) as queries:
        page = client.get(LOG, {"before": 10**9}).content.decode()
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert counts, "the page shows counts"
    log_counts = [sql for sql in counts if "reminderlog" in sql.lower()]
    assert log_counts and all("LIMIT" in sql.upper() for sql in log_counts), log_counts
    assert "More than 25 entries" in page
    assert '<span class="card-value">25+</span>' in page  # the "sent" card: 48 rows
    # No OFFSET: a deep page costs what the first does.
    assert not any("OFFSET" in q["sql"].upper() for q in queries)


def test_a_cursor_that_is_not_a_number_shows_the_first_page(client, people):
    _log_rows(people, 3)
    client.force_login(people["St"])
    for bad in ("x", "-5", "9" * 30, ""):
        response = client.get(LOG, {"before": bad, "after": bad})
        assert response.status_code == 200 and len(response.context["rows"]) == 3


def test_the_status_counts_link_to_the_filtered_log(client, people, admin_user):
    _log_rows(people, 10)
    client.force_login(admin_user)
    page = html.unescape(client.get(LOG, {"kind": "overdue"}).content.decode())
    assert "?kind=overdue&status=failed" in page
    assert "?kind=overdue&status=sent" in page


def test_the_administrator_reads_the_log_but_is_not_linked_to_issues(client, people, admin_user):
    issue = _log_rows(people, 3)
    client.force_login(admin_user)
    page = client.get(LOG).content.decode()
    assert issue.reference in page
    assert reverse("issues:detail", args=[issue.pk]) not in page
    assert issue.title not in page


@pytest.mark.parametrize("persona", ["LA", "HA", "Mo", "Ch"])
def test_the_log_is_refused_to_case_workers_who_are_not_operators(client, people, persona):
    client.force_login(people[persona])
    assert client.get(LOG).status_code == 403


def test_bad_filters_are_ignored_not_a_500(client, people):
    client.force_login(people["St"])
    response = client.get(LOG, {"due_from": "2026-02-30", "kind": "nonsense", "before": "x"})
    assert response.status_code == 200


# --- Notifications ------------------------------------------------------------------------


def _notices(people):
    issue = make_issue(deadline=date(2026, 12, 1), lead=people["dept_a"])
    mine = [
        Notification.objects.create(
            recipient=people["LA"],
            issue=issue,
            title=f"Notice {i}",
            reason=f"Because {i}",
            url=f"/issues/{issue.pk}/",
        )
        for i in range(3)
    ]
    other = Notification.objects.create(recipient=people["LB"], title="Not yours", reason="-")
    return issue, mine, other


def test_notifications_list_own_with_the_reason_and_an_unread_badge(client, people):
    _issue, mine, other = _notices(people)
    client.force_login(people["LA"])
    page = client.get(reverse("notifications:list")).content.decode()
    assert all(n.title in page and n.reason in page for n in mine)
    assert other.title not in page
    assert "Why you got this:" in page
    assert 'id="notifications-link"' in page and ">3</span>" in page
    home = client.get(reverse("dashboard:home")).content.decode()
    assert ">3</span>" in home


def test_mark_one_read_then_all(client, people):
    issue, mine, other = _notices(people)
    client.force_login(people["LA"])
    response = client.post(reverse("notifications:read", args=[mine[0].pk]))
    assert response.status_code == 302 and response["Location"] == reverse("notifications:list")
    mine[0].refresh_from_db()
    assert mine[0].read_at is not None
    unread = client.get(reverse("notifications:list"), {"show": "unread"}).content.decode()
    assert "Notice 0" not in unread and "Notice 1" in unread
    # "Open" marks it read and goes to what it is about.
    response = client.post(reverse("notifications:read", args=[mine[1].pk]), {"open": "1"})
    assert response["Location"] == f"/issues/{issue.pk}/"
    response = client.post(reverse("notifications:read_all"))
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=people["LA"], read_at__isnull=True).exists()
    other.refresh_from_db()
    assert other.read_at is None
    page = client.get(reverse("notifications:list")).content.decode()
    assert 'class="badge badge-danger"' not in page


def test_another_users_notification_is_not_found_and_stays_unread(client, people):
    _issue, _mine, other = _notices(people)
    client.force_login(people["LA"])
    assert client.post(reverse("notifications:read", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.read_at is None


def test_marking_read_needs_a_post_and_a_csrf_token(people):
    from django.test import Client

    _issue, mine, _other = _notices(people)
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["LA"])
    assert client.get(reverse("notifications:read", args=[mine[0].pk])).status_code == 405
    assert client.post(reverse("notifications:read", args=[mine[0].pk])).status_code == 403
    assert client.post(reverse("notifications:read_all")).status_code == 403
    mine[0].refresh_from_db()
    assert mine[0].read_at is None


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"]
)
def test_the_next_address_stays_on_the_site(client, people, target):
    _issue, mine, _other = _notices(people)
    client.force_login(people["LA"])
    response = client.post(reverse("notifications:read", args=[mine[0].pk]), {"next": target})
    assert response["Location"] == reverse("notifications:list")


def test_the_unread_count_costs_one_query(client, people):
    _notices(people)
    client.force_login(people["LA"])
    url = reverse("issues:ledger")
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    counts = [q["sql"] for q in queries if "issues_notification" in q["sql"]]
    assert len(counts) == 1 and "COUNT(" in counts[0].upper()


def test_a_reminder_appears_in_the_recipients_notifications(client, people):
    issue = make_issue(deadline=date(2026, 10, 14), lead=people["dept_a"], responsible=people["RA"])
    run(date(2026, 10, 16))
    client.force_login(people["RA"])
    page = client.get(reverse("notifications:list")).content.decode()
    assert issue.reference in page
    assert "You are the person responsible for this overdue issue." in page


# --- The chairperson's attention list -----------------------------------------------------


def test_the_chair_sees_escalated_issues_until_they_are_settled(client, people):
    issue = make_issue(deadline=date(2026, 10, 9), lead=people["dept_a"], title="Escalated permit")
    quiet = make_issue(deadline=date(2026, 12, 9), lead=people["dept_a"], title="On time")
    issues_escalate(today=date(2026, 10, 16))
    client.force_login(people["Ch"])
    page = client.get(reverse("dashboard:home")).content.decode()
    assert "Escalated to your attention" in page
    assert issue.reference in page and "Department A" in page and "2026-10-16" in page
    assert quiet.reference not in page
    # Staff and department heads do not get the chair's list.
    for persona in ("St", "HA"):
        client.force_login(people[persona])
        assert "Escalated to your attention" not in client.get("/").content.decode()
    # A deadline extended past the escalation, or a conclusion, takes it off the list.
    Issue.objects.filter(pk=issue.pk).update(deadline=date(2026, 10, 30))
    client.force_login(people["Ch"])
    page = client.get(reverse("dashboard:home")).content.decode()
    assert issue.reference not in page and "No issue is escalated at the moment." in page


def test_the_attention_list_does_not_grow_the_chairs_page_queries(client, people):
    client.force_login(people["Ch"])
    client.get("/")
    with CaptureQueriesContext(connection) as before:
        client.get("/")
    for i in range(25):
        issue = make_issue(deadline=date(2026, 9, 1) + timedelta(days=i), lead=people["dept_a"])
        Issue.objects.filter(pk=issue.pk).update(escalated_on=date(2026, 10, 16))
    with CaptureQueriesContext(connection) as after:
        page = client.get("/").content.decode()
    assert len(after) == len(before)
    assert "Showing the 20 longest overdue." in page
