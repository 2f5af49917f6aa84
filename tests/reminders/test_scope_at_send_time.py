"""Scope holds at send time (issue 12): a reminder or notice queued while the recipient could
read its issue is not sent once they no longer can (a reassignment took the issue from their
department, or their membership ended). It is marked "skipped" with the reason in the
reminder log, never retried; the rest of the recipient's message still goes. And the notices
the portal shows follow the same rule: the list, the header's count, "mark all as read"."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from departments.models import DepartmentMembership
from issues import services
from issues.models import Issue
from roundtable.notifications import delivery
from roundtable.notifications.models import Notification, ReminderLog
from roundtable.notifications.reminders import ReminderKind, reminders_due
from tests import factories
from tests.reminders.conftest import at, mailed_to, make_issue

pytestmark = pytest.mark.django_db

DAY = date(2026, 10, 16)
Status = ReminderLog.Status


@pytest.fixture
def moved(people, dept_c, liaison_c, enterprise_1):
    """Issue X logged at 10:00 with lead A and co-handler B (notices to A's and B's people),
    then, before the every-minute job mails those notices, reassigned to lead C and B."""
    staff = people["St"]
    with time_machine.travel(at(DAY, 10), tick=False):
        issue = services.issue_create(
            actor=staff,
            title="Reassigned land-use permit",
            enterprise=enterprise_1,
            category=factories.CategoryFactory(),
            source=Issue.Source.HOTLINE,
            raised_on=date(2026, 10, 12),
            lead_department=people["dept_a"],
            co_departments=[people["dept_b"]],
            deadline=date(2026, 11, 30),
        )
    with time_machine.travel(at(DAY, 10, 0, 30), tick=False):
        services.issue_assign(
            actor=staff,
            issue=issue,
            lead_department=dept_c,
            co_departments=[people["dept_b"]],
            deadline=date(2026, 11, 30),
        )
    return issue


def _deliver(day=DAY, hour=10, minute=1):
    with time_machine.travel(at(day, hour, minute), tick=False):
        return delivery.reminders_deliver_pending()


def test_a_notice_queued_before_a_reassignment_is_not_mailed_to_the_department_that_lost_it(
    people, liaison_c, moved
):
    report = _deliver()
    mailed = mailed_to()
    for persona in ("LA", "RA", "HA"):  # department A's people
        assert people[persona].email not in mailed, persona
    assert people["LB"].email in mailed and liaison_c.email in mailed
    assert moved.title not in "".join(m.body for m in mail.outbox if m.to[0] != liaison_c.email)
    skipped = ReminderLog.objects.filter(kind=ReminderKind.NOTIFICATION, status=Status.SKIPPED)
    assert set(skipped.values_list("recipient__username", flat=True)) == {
        "liaison_a",
        "resp_a",
        "head_a",
    }
    assert set(skipped.values_list("error", flat=True)) == {delivery.OUT_OF_SCOPE}
    assert report.skipped == 3 and report.failed == report.retry == 0

    # Settled for good: later runs neither send nor retry them.
    before = len(mail.outbox)
    _deliver(hour=12)
    _deliver(DAY + timedelta(days=3), hour=12)
    assert len(mail.outbox) == before
    assert skipped.count() == 3 and not skipped.filter(next_try_at__isnull=False).exists()


def test_the_reminder_log_shows_a_skipped_notice_with_its_reason(client, people, moved):
    _deliver()
    client.force_login(people["St"])
    page = client.get(reverse("reminders:log"), {"status": Status.SKIPPED}).content.decode()
    assert "3 entries" in page
    assert "could no longer read this issue" in page


def test_a_reminder_waiting_for_a_retry_goes_without_the_issue_that_moved_away(people, dept_c):
    """A message that failed and waits for its retry: by then one of its two issues was
    reassigned away from A. The head of A gets the other one alone."""
    gone = make_issue(deadline=date(2026, 10, 14), lead=people["dept_a"], title="Moved to C")
    kept = make_issue(deadline=date(2026, 10, 14), lead=people["dept_a"], title="Still A's")
    with time_machine.travel(at(DAY, 9), tick=False):
        for issue in (gone, kept):
            ReminderLog.objects.create(
                kind=ReminderKind.OVERDUE,
                subject_key=f"issue:{issue.pk}",
                issue=issue,
                recipient=people["HA"],
                due_on=DAY,
                status=Status.RETRY,
                attempts=1,
                error="SMTP 421: try again later",
                next_try_at=timezone.now(),
                reason="You head Department A, the lead department of this overdue issue.",
            )
        Issue.objects.filter(pk=gone.pk).update(raised_on=date(2026, 9, 1))
        gone.refresh_from_db()
        services.issue_assign(
            actor=people["St"], issue=gone, lead_department=dept_c, deadline=date(2026, 10, 30)
        )
    mail.outbox.clear()
    report = _deliver(hour=9, minute=5)
    [message] = [m for m in mail.outbox if m.to == [people["HA"].email]]
    assert kept.reference in message.body and gone.reference not in message.body
    assert "Moved to C" not in message.body
    rows = {r.issue_id: r for r in ReminderLog.objects.filter(recipient=people["HA"])}
    assert rows[kept.pk].status == Status.SENT
    assert rows[gone.pk].status == Status.SKIPPED and rows[gone.pk].error == delivery.OUT_OF_SCOPE
    assert report.sent == 1 and report.skipped == 1


def test_a_liaison_whose_membership_ended_is_not_mailed_the_departments_notices(people, moved):
    # Both of B's people would get X's notice; LB leaves B before the e-mail goes.
    DepartmentMembership.objects.filter(user=people["LB"]).update(ended_on=DAY - timedelta(days=1))
    _deliver()
    assert people["LB"].email not in mailed_to()
    row = ReminderLog.objects.get(recipient=people["LB"], kind=ReminderKind.NOTIFICATION)
    assert row.status == Status.SKIPPED


def test_the_scope_check_costs_a_query_per_recipient_not_per_issue(people, dept_c):
    def issues(n):
        return [
            make_issue(
                deadline=date(2026, 10, 14),
                lead=people["dept_a"],
                responsible=people["RA"],
                monitor=people["Mo"],
            )
            for _ in range(n)
        ]

    # Every message keeps at least two reminders, so that it costs the same writes.
    small, small_queries = _with_one_moved_away(issues(3), people, dept_c, DAY - timedelta(days=1))
    large, large_queries = _with_one_moved_away(issues(30), people, dept_c, DAY)
    assert small.skipped == large.skipped == 2  # RA and HA lost the moved issue; Mo did not
    assert large.sent > small.sent
    assert large_queries == small_queries


def _with_one_moved_away(issues, people, dept_c, day):
    """Deliver ``day``'s overdue reminders after moving the first of ``issues`` to C between
    the claim and the send."""
    with time_machine.travel(at(day, 9), tick=False):
        specs = [s for s in reminders_due(today=day) if s.kind == ReminderKind.OVERDUE]
        rows = delivery.reminders_claim(specs=specs, now=timezone.now())
        issue = issues[0]
        Issue.objects.filter(pk=issue.pk).update(raised_on=date(2026, 9, 1))
        issue.refresh_from_db()
        services.issue_assign(
            actor=people["St"], issue=issue, lead_department=dept_c, deadline=date(2026, 10, 14)
        )
        with CaptureQueriesContext(connection) as queries:
            report = delivery.reminders_deliver(rows=rows, now=timezone.now())
    return report, len(queries)


# --- The notices shown in the portal ------------------------------------------------------


def test_the_notification_list_and_count_leave_out_an_issue_the_reader_lost(client, people, moved):
    other = make_issue(deadline=date(2026, 11, 30), lead=people["dept_a"], title="Still A's")
    Notification.objects.create(
        recipient=people["LA"], issue=other, title=f"{other.reference} Still A's", url="/"
    )
    Notification.objects.create(recipient=people["LA"], title="A notice about no issue")
    client.force_login(people["LA"])
    page = client.get(reverse("notifications:list")).content.decode()
    assert moved.reference not in page and moved.title not in page
    assert other.reference in page and "A notice about no issue" in page
    assert "2 unread." in page
    badge = client.get(reverse("issues:ledger")).content.decode()
    assert 'aria-label="2 unread"' in badge
    # The lost issue's notice cannot be opened or marked read by its id either.
    lost = Notification.objects.get(recipient=people["LA"], issue=moved)
    response = client.post(reverse("notifications:read", args=[lost.pk]), {"open": "1"})
    assert response.status_code == 404
    client.post(reverse("notifications:read_all"))
    lost.refresh_from_db()
    assert lost.read_at is None
    assert not Notification.objects.filter(recipient=people["LA"], read_at__isnull=True).exclude(
        pk=lost.pk
    )
    # The department that has the issue now sees its notice.
    client.force_login(people["LB"])
    assert moved.reference in client.get(reverse("notifications:list")).content.decode()


def test_the_notification_count_is_still_one_query(client, people, moved):
    client.force_login(people["LA"])
    url = reverse("issues:ledger")
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    counts = [q["sql"] for q in queries if "issues_notification" in q["sql"]]
    assert len(counts) == 1 and "COUNT(" in counts[0].upper()
