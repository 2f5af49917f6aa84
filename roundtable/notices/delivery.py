"""Delivering sent notices exactly once per person, on the worker.

``notices_send`` (services.py) wrote one ``NoticeDelivery`` row per person, ``queued``,
under the unique key (notice, person). Each run here, as the reminder log's pipeline does
(``roundtable/notifications/delivery.py``):

1. **claim**: a conditional ``UPDATE`` turns the rows that are queued, due for a retry, or
   held by a worker whose lease ran out (``REMINDER_CLAIM_LEASE_SECONDS``) into ``claimed``
   with this run's token; a row another run claimed first no longer matches the condition, so
   two workers never both take it. The rows of people with a portal account go into their
   inbox in the same step;
2. **in flight**: before its e-mail goes to the mail server a row is marked (``attempts + 1``,
   ``error = IN_FLIGHT``) and that is committed;
3. **send** in the reader's language (``messages.py``);
4. **mark** it ``sent``.

A worker that dies before 2 leaves a claim that the next run takes over after the lease and
sends once. Dying between 2 and 4 leaves a message the mail server may have accepted: it is
sent again and marked ``uncertain`` ("possibly sent twice"), counted as delivered. A failed
send is retried with back-off (``REMINDER_RETRY_BASE_SECONDS`` × 4ⁿ) up to
``REMINDER_MAX_TRIES`` attempts, then ``failed``; a permanent refusal (5xx) fails at once; a
mail server that cannot be reached puts the rest of the run back, untried. A person without
an e-mail address but with an account gets the notice in their inbox only (``inbox``).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core import mail
from django.db.models import F, Q
from django.utils import timezone

from roundtable.lib.reminders import setting as _rule
from roundtable.notices.messages import render_notice
from roundtable.notices.models import Notice, NoticeDelivery
from roundtable.notifications.smtp import classify, describe

logger = logging.getLogger(__name__)

Status = NoticeDelivery.Status
IN_FLIGHT = "Sending: if this stays, the worker stopped while the mail server was taking it."
NOT_TRIED = "Not tried: the mail server could not be reached earlier in this run."
MAX_RETRY_DELAY = timedelta(hours=6)
BATCH = 500


def fault_point(name: str) -> None:
    """Where a worker can die: "claimed" and "sent". A no-op the fault tests replace."""


@dataclass
class DeliveryReport:
    claimed: int = 0
    sent: int = 0
    inbox_only: int = 0
    uncertain: int = 0
    retry: int = 0
    failed: int = 0
    deferred: int = 0

    def summary(self) -> str:
        return (
            f"{self.claimed} claimed, {self.sent} sent, {self.inbox_only} inbox only, "
            f"{self.uncertain} uncertain, {self.retry} to retry, {self.failed} failed, "
            f"{self.deferred} deferred"
        )


def _claimable(now: datetime) -> Q:
    lease = timedelta(seconds=_rule("REMINDER_CLAIM_LEASE_SECONDS"))
    return (
        Q(status=Status.QUEUED)
        | Q(status=Status.RETRY, next_try_at__lte=now)
        | Q(status=Status.CLAIMED, claimed_at__lt=now - lease)
    )


def claim(*, now: datetime, token: str, batch: int = BATCH) -> int:
    """Claim up to ``batch`` rows for the run holding ``token``; returns how many."""
    ids = list(
        NoticeDelivery.objects.filter(_claimable(now))
        .order_by("pk")
        .values_list("pk", flat=True)[:batch]
    )
    if not ids:
        return 0
    claimed = (
        NoticeDelivery.objects.filter(pk__in=ids)
        .filter(_claimable(now))
        .update(status=Status.CLAIMED, claim_token=token, claimed_at=now)
    )
    # Into the inbox as soon as the worker has it, whatever becomes of the e-mail.
    NoticeDelivery.objects.filter(
        claim_token=token, status=Status.CLAIMED, user__isnull=False, inbox_at__isnull=True
    ).update(inbox_at=now)
    return claimed


def notices_deliver_pending(*, now: datetime | None = None) -> DeliveryReport:
    """Claim and send every delivery that is due, batch by batch."""
    report = DeliveryReport()
    while True:
        now_ = now or timezone.now()
        token = uuid.uuid4().hex
        count = claim(now=now_, token=token)
        if not count:
            return report
        report.claimed += count
        fault_point("claimed")
        _send_claimed(token, now_, report)
        if now is not None:  # a pinned clock: one pass (tests)
            return report


def _send_claimed(token: str, now: datetime, report: DeliveryReport) -> None:
    rows = list(
        NoticeDelivery.objects.filter(claim_token=token, status=Status.CLAIMED).order_by("pk")
    )
    notices = Notice.objects.prefetch_related("attachments").in_bulk(
        {row.notice_id for row in rows}
    )
    connection = mail.get_connection()
    unreachable = False
    for row in rows:
        if unreachable:
            _settle(row, Status.RETRY, error=NOT_TRIED, next_try_at=now)
            report.deferred += 1
            continue
        if not row.email:
            _settle(row, Status.INBOX_ONLY)
            report.inbox_only += 1
            continue
        unreachable = _send_one(row, notices[row.notice_id], connection, now, report)


def _send_one(row, notice, connection, now, report) -> bool:
    """Send one row's e-mail and settle it; True when the mail server cannot be reached."""
    was_in_flight = row.error in (IN_FLIGHT,) and row.attempts > 0
    NoticeDelivery.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1, error=IN_FLIGHT)
    row.attempts += 1
    try:
        render_notice(notice, row, connection=connection).send()
    except Exception as exc:
        permanent, unreachable = classify(exc)
        reason = describe(exc)
        logger.warning("notice %s to %s failed: %s", row.notice_id, row.recipient_key, reason)
        if permanent or row.attempts >= _rule("REMINDER_MAX_TRIES"):
            _settle(row, Status.FAILED, error=reason)
            report.failed += 1
        else:
            delay = timedelta(
                seconds=_rule("REMINDER_RETRY_BASE_SECONDS") * 4 ** (row.attempts - 1)
            )
            _settle(row, Status.RETRY, error=reason, next_try_at=now + min(delay, MAX_RETRY_DELAY))
            report.retry += 1
        return unreachable
    fault_point("sent")
    if was_in_flight:
        _settle(row, Status.UNCERTAIN, sent_at=timezone.now())
        report.uncertain += 1
    else:
        _settle(row, Status.SENT, sent_at=timezone.now())
        report.sent += 1
    return False


def _settle(row: NoticeDelivery, status: str, *, error: str = "", **fields) -> None:
    NoticeDelivery.objects.filter(pk=row.pk, claim_token=row.claim_token).update(
        status=status, error=error, **fields
    )
