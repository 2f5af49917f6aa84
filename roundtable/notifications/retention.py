"""Retention: the reminder log and the in-app notifications grow by about 13,000 rows a day at
100,000 issues. A nightly job (task ``issues.tasks.purge_expired``, beat entry "purge-expired",
``manage.py purge_expired`` by hand) deletes what is older than ``RETENTION_DAYS``, in batches
of ``BATCH_SIZE`` rows, each batch its own short transaction; and the create forms'
double-submit tokens past ``submissions.KEPT``.

What is never deleted, whatever its age:

* a reminder-log row that a rule can still yield again (``log_rows_still_needed``),
  since the row is the exactly-once claim; and no retention shorter than
  ``MIN_LOG_RETENTION_DAYS`` is applied, for the rules whose keys are recent;
* a row still being sent (claimed, or failed and due for a retry);
* a notification whose e-mail is still being sent; and no retention shorter than
  ``MIN_NOTIFICATION_RETENTION_DAYS``, so a notice is never deleted before its e-mail is tried.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from issues.models import Assignment
from roundtable.accounts import submissions
from roundtable.accounts.models import FormSubmission
from roundtable.enterprises.models import Enterprise
from roundtable.lib.reminders import ReminderKind
from roundtable.meetings.models import Meeting
from roundtable.notifications.models import Notification, ReminderLog

logger = logging.getLogger(__name__)

BATCH_SIZE = 2000
MIN_NOTIFICATION_RETENTION_DAYS = 30
# Settled rows: nothing will send them again by themselves.
FINAL = [ReminderLog.Status.SENT, ReminderLog.Status.FAILED, ReminderLog.Status.UNCERTAIN]
IN_FLIGHT = [ReminderLog.Status.CLAIMED, ReminderLog.Status.RETRY]


# --- What the log must keep ---------------------------------------------------------------

# The exactly-once claim is the log row: once it is gone, a rule that yields the same key again
# sends again. Most rules yield keys dated within a short window before today, and a purge of
# rows older than this many days can never meet them: deadline reminders (at most
# max(DEADLINE_REMINDER_DAYS) working days back), overdue (today), no update (less than
# STALE_AFTER_WORKING_DAYS working days), the weekly digest (this week), intake and meeting
# reminders (the event is still ahead), the quarter warning (this quarter) and notification
# e-mails (NOTIFICATION_EMAIL_MAX_AGE_HOURS). ``log_rows_still_needed`` covers the others.
MIN_LOG_RETENTION_DAYS = 120


def log_rows_still_needed(*, today: date) -> Q:
    """The reminder-log rows that a rule can still yield again, whatever their age: those
    kinds keep the date they were first due while their condition lasts, and a condition can
    come back (an issue reopened years later is overdue and escalated again, under the same
    ``escalated_on``). A purge must keep them, or the reminder goes out a second time.

    * acceptance: due a fixed number of working days after ``assigned_at``, for as long as the
      assignment stays pending: kept while the issue has a pending current assignment;
    * escalated: due on ``Issue.escalated_on``: kept while that is still the row's day;
    * minutes unpublished: due a fixed time after the meeting: kept until they are published;
    * service visit: due within the enterprise's visit interval, which may be longer than
      the retention: kept while younger than the longest interval.
    """
    longest_visit = Enterprise.objects.aggregate(n=Max("visit_interval_days"))["n"] or 0
    return (
        Q(
            kind=ReminderKind.ACCEPTANCE,
            issue_id__in=Assignment.objects.current()
            .filter(status=Assignment.Status.PENDING)
            .values("issue_id"),
        )
        | Q(kind=ReminderKind.ESCALATED, issue__escalated_on=F("due_on"))
        | Q(
            kind=ReminderKind.MINUTES,
            meeting_id__in=Meeting.objects.filter(minutes_published_at__isnull=True).values("pk"),
        )
        | Q(kind=ReminderKind.VISIT, due_on__gt=today - timedelta(days=longest_visit))
    )


@dataclass
class PurgeReport:
    reminder_log: int = 0
    read_notifications: int = 0
    unread_notifications: int = 0
    form_tokens: int = 0

    def summary(self) -> str:
        return (
            f"purged {self.reminder_log} reminder-log rows, "
            f"{self.read_notifications} read and {self.unread_notifications} unread "
            f"notifications, {self.form_tokens} double-submit tokens"
        )


def _days(kind: str, minimum: int) -> int:
    days = settings.RETENTION_DAYS.get(kind, 0)
    if days <= 0:
        return 0  # kept forever
    if days < minimum:
        logger.warning(
            "RETENTION_DAYS[%r] = %d is below %d: using %d", kind, days, minimum, minimum
        )
    return max(days, minimum)


def _delete_in_batches(model, queryset, batch_size: int) -> int:
    """Delete ``queryset``'s rows by primary key, ``batch_size`` at a time, walking the
    primary key upwards up to the largest id that matched at the start: each batch reads
    only its own stretch of the table, however much is kept."""
    upper = queryset.aggregate(top=Max("pk"))["top"]
    if upper is None:
        return 0
    deleted = 0
    last = 0
    while True:
        ids = list(
            queryset.filter(pk__gt=last, pk__lte=upper)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return deleted
        with transaction.atomic():
            deleted += model.objects.filter(pk__in=ids).delete()[1].get(model._meta.label, 0)
        last = ids[-1]


def reminder_log_purge(*, today=None, batch_size: int = BATCH_SIZE) -> int:
    """Delete settled reminder-log rows due more than RETENTION_DAYS["reminder_log"] days
    before ``today``, except those a rule still needs. Returns how many went."""
    days = _days("reminder_log", MIN_LOG_RETENTION_DAYS)
    if not days:
        return 0
    today = today or timezone.localdate()
    expired = (
        ReminderLog.objects.filter(due_on__lt=today - timedelta(days=days), status__in=FINAL)
        .exclude(log_rows_still_needed(today=today))
        .order_by()
    )
    return _delete_in_batches(ReminderLog, expired, batch_size)


def notifications_purge(
    *, now: datetime | None = None, batch_size: int = BATCH_SIZE
) -> tuple[int, int]:
    """Delete read notifications older than RETENTION_DAYS["read_notifications"] and unread
    ones older than RETENTION_DAYS["unread_notifications"]; returns (read, unread)."""
    now = now or timezone.now()
    # An e-mail still being sent renders the notice: keep it until the e-mail is settled.
    sending = Q(reminder__status__in=IN_FLIGHT)
    counts = []
    for kind, unread in (("read_notifications", False), ("unread_notifications", True)):
        days = _days(kind, MIN_NOTIFICATION_RETENTION_DAYS)
        if not days:
            counts.append(0)
            continue
        expired = (
            Notification.objects.filter(
                created_at__lt=now - timedelta(days=days), read_at__isnull=unread
            )
            .exclude(sending)
            .order_by()
        )
        counts.append(_delete_in_batches(Notification, expired, batch_size))
    return counts[0], counts[1]


def expired_purge(*, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> PurgeReport:
    """The nightly purge: notifications first (they point at their log rows), then the log."""
    now = now or timezone.now()
    report = PurgeReport()
    report.read_notifications, report.unread_notifications = notifications_purge(
        now=now, batch_size=batch_size
    )
    report.reminder_log = reminder_log_purge(today=timezone.localdate(now), batch_size=batch_size)
    # The create forms' double-submit tokens (accounts/submissions.py), kept as long as a
    # form may be sent again: deleted here rather than by each create, which would pay for it.
    report.form_tokens = _delete_in_batches(FormSubmission, submissions.expired(now), batch_size)
    logger.info("retention: %s", report.summary())
    return report
