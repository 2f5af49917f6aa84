"""Sending reminders and notification e-mails exactly once, and never losing one.

The pipeline for each reminder (a ``ReminderLog`` row):

1. **claim**: insert the row under its unique key (subject, kind, recipient, due day) with this
   run's ``claim_token``; a key that is already there (sent, or being sent by another worker)
   is skipped quietly (``INSERT … ON CONFLICT DO NOTHING``, never an IntegrityError). The
   in-app notification is written in the same transaction;
2. **in flight**: all of one recipient's claimed reminders go in one message, in their
   language. Before the message goes to the mail server, one row of it (its marker) is marked
   "in flight" (``attempts + 1``, ``error = IN_FLIGHT``) and committed: one write per message;
3. **send**;
4. **mark**: every row of the message ``sent`` (``attempts`` counted).

A worker that dies leaves its rows ``claimed``; after ``REMINDER_CLAIM_LEASE_SECONDS`` the next
run takes them over (a live run renews its claims every third of the lease). Died before step
2: sent once by the next run. Died between 2 and 4: the mail server may have accepted the
message, and nothing can tell. That window (one SMTP transaction) is the one exactly-once
cannot close: the message's rows are sent again and marked ``uncertain`` ("possibly sent
twice"), so that they are counted apart. A failed send is retried with back-off
(``REMINDER_RETRY_BASE_SECONDS`` × 4ⁿ) up to ``REMINDER_MAX_TRIES`` attempts, then marked
``failed`` with the reason; a permanent refusal (5xx) fails at once. When the mail server
cannot be reached, the rest of the run is put back for the next one, untried.

**Scope at send time.** A reminder or notice about an issue goes only to someone who may
still read that issue when it is sent (``Issue.objects.visible_to``, the ledger's rule): one
queued before a reassignment took the issue from the recipient's department, or before their
membership ended, is marked ``skipped`` with the reason (``OUT_OF_SCOPE``), never sent and
never retried. The check is one query per recipient, over all the issues of their message.
Weekly digests are built at send time from the issues the recipient may read.

Messages that other apps queue through ``roundtable/lib/outbox.py`` (a password-reset link, an
invitation) are rows too: written ``queued`` in the request's transaction by ``outbox_write``,
taken by the next ``reminders_deliver_pending``, and each sent as a message of its own, built
by the function its app registered.

Notification e-mails follow the same path: every in-app ``Notification`` written by
``issues/services/`` (through ``roundtable/lib/notices.py``) without a reminder row gets one
(kind "notification") from ``reminders_deliver_pending``, which beat runs every minute.
Nothing here is called from a web request, so a broker or mail server outage never slows a
save.

What a message says is built in ``messages.py`` (and ``digests.py``); this module claims,
sends and settles.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import mail
from django.db import transaction
from django.db.models import Case, F, Q, When
from django.utils import timezone, translation

from issues.models import Issue
from roundtable.accounts import roles
from roundtable.lib import outbox, phrases
from roundtable.lib.reminders import ReminderKind, ReminderSpec
from roundtable.lib.reminders import setting as _rule
from roundtable.lib.rows import RowWriter
from roundtable.notifications.messages import Subjects, render_message
from roundtable.notifications.models import Notification, ReminderLog
from roundtable.notifications.smtp import classify, describe

logger = logging.getLogger(__name__)

LogStatus = ReminderLog.Status
MAX_RETRY_DELAY = timedelta(hours=6)
# Kept in ``error`` while a reminder that may already have gone out is being sent again, so
# that a second interruption is still recognised as uncertain.
UNCERTAIN_NOTE = (
    "The worker stopped after the mail server may have accepted this message; sent again, "
    "it may have arrived twice."
)
# On a message's marker row while the mail server is being asked to take the message.
IN_FLIGHT = "Sending: if this stays, the worker stopped while the mail server was taking it."
NOT_TRIED = "Not tried: the mail server could not be reached earlier in this run."
OUT_OF_SCOPE = (
    "Not sent: when it was due to go, the recipient could no longer read this issue "
    "(reassigned away from their department, or their membership ended)."
)


def fault_point(name: str) -> None:
    """Where a worker can die: "before_claim", "claimed" (before the attempt is recorded),
    "sent" (the mail server accepted, not yet marked) and "marked". A no-op; the fault tests
    replace it to stop the pipeline at each point."""


@dataclass
class DeliveryReport:
    claimed: int = 0
    messages: int = 0
    sent: int = 0
    uncertain: int = 0
    retry: int = 0
    failed: int = 0
    deferred: int = 0
    skipped: int = 0

    def add(self, other: DeliveryReport) -> DeliveryReport:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self

    def summary(self) -> str:
        return (
            f"{self.claimed} claimed, {self.messages} messages, {self.sent} sent, "
            f"{self.uncertain} uncertain, {self.retry} to retry, {self.failed} failed, "
            f"{self.deferred} deferred, {self.skipped} skipped"
        )


def _new_token() -> str:
    return uuid.uuid4().hex


def _claimed_by(token: str) -> list[ReminderLog]:
    """The rows ``token`` holds, each with its recipient (loaded once per person)."""
    from roundtable.accounts.models import User

    rows = list(
        ReminderLog.objects.filter(claim_token=token, status=LogStatus.CLAIMED).order_by(
            "recipient_id", "kind", "due_on", "subject_key", "pk"
        )
    )
    people = User.objects.in_bulk({r.recipient_id for r in rows})
    for row in rows:
        row.recipient = people[row.recipient_id]
    return rows


# --- Claiming -----------------------------------------------------------------------------

LOG_COLUMNS = [
    "kind",
    "subject_key",
    "issue_id",
    "meeting_id",
    "recipient_id",
    "due_on",
    "status",
    "reason",
    "reason_phrase",
    "attempts",
    "claimed_at",
    "claim_token",
    "next_try_at",
    "sent_at",
    "error",
]


def reminders_claim(*, specs: list[ReminderSpec], now: datetime) -> list[ReminderLog]:
    """Insert a log row per reminder not yet in the log, with its in-app notification, and
    return the rows this call inserted (and so must send). Another run's rows, or rows already
    sent, are left alone: the unique key makes the insert a no-op for them."""
    fault_point("before_claim")
    specs = _not_logged(specs)
    if not specs:
        return []
    from roundtable.accounts.models import User

    token = _new_token()
    stamp = timezone.now()
    languages = dict(
        User.objects.filter(pk__in={s.recipient_id for s in specs}).values_list(
            "pk", "preferred_language"
        )
    )
    by_language = defaultdict(list)
    for spec in specs:
        by_language[languages.get(spec.recipient_id) or settings.LANGUAGE_CODE].append(spec)
    values = []
    for language, group in by_language.items():
        # A rule gives one reason to many (every liaison of a department): word it once.
        worded: dict[object, str] = {}
        with translation.override(language):
            for spec in group:
                reason = worded.get(spec.reason)
                if reason is None:
                    reason = worded[spec.reason] = str(spec.reason)[:300]
                values.append(
                    (
                        spec.kind,
                        spec.subject_key,
                        spec.issue_id,
                        spec.meeting_id,
                        spec.recipient_id,
                        spec.due_on,
                        LogStatus.CLAIMED.value,
                        reason,
                        phrases.data_of(spec.reason),
                        0,
                        stamp,
                        token,
                        None,
                        None,
                        "",
                    )
                )
    with transaction.atomic():
        RowWriter(ReminderLog, LOG_COLUMNS, ignore_conflicts=True).write(values)
        mine = _claimed_by(token)
        _write_in_app(mine, now)
    return mine


def _not_logged(specs: list[ReminderSpec]) -> list[ReminderSpec]:
    """``specs`` less those already in the log. The unique key alone would make their insert
    a no-op, but only after each had been worded in its recipient's language and sent to the
    database: at 100,000 issues a day's run derived 162,000 reminders of which 112,000 were
    logged on earlier days (an overdue reminder is due once per deadline), and a rerun of the
    day spent 21 s claiming nothing. The unique key still settles a race with another run."""
    if not specs:
        return specs
    days = [s.due_on for s in specs]
    logged = set(
        ReminderLog.objects.filter(
            due_on__gte=min(days), due_on__lte=max(days), kind__in={s.kind for s in specs}
        ).values_list("subject_key", "kind", "recipient_id", "due_on")
    )
    return [s for s in specs if s.key not in logged]


NOTIFICATION_COLUMNS = [
    "recipient_id",
    "title",
    "body",
    "reason",
    "title_phrase",
    "reason_phrase",
    "url",
    "issue_id",
    "reminder_id",
    "created_at",
    "read_at",
]


def _write_in_app(rows: list[ReminderLog], now: datetime) -> None:
    """The in-app copy of each reminder (the bell in the header), in the recipient's language.
    Written with the claim, so a reminder resent after a crash has exactly one."""
    rows = [r for r in rows if r.kind != ReminderKind.NOTIFICATION]
    if not rows:
        return
    subjects = Subjects(rows, now)
    by_language = defaultdict(list)
    for row in rows:
        by_language[row.recipient.preferred_language or settings.LANGUAGE_CODE].append(row)
    stamp = timezone.now()
    values = []
    for language, group in by_language.items():
        with translation.override(language):
            for row in group:
                item = subjects.item(row)
                title = item.title_phrase
                values.append(
                    (
                        row.recipient_id,
                        item.title[:300],
                        "",
                        row.reason,
                        phrases.data_of(title),
                        row.reason_phrase,
                        item.path[:300],
                        row.issue_id,
                        row.pk,
                        stamp,
                        None,
                    )
                )
    RowWriter(Notification, NOTIFICATION_COLUMNS).write(values)


def notifications_claim(*, now: datetime, token: str) -> int:
    """Claim an e-mail for each in-app notification that has none yet (written by
    ``issues/services/`` in the transaction of the change it announces). Notices older than
    NOTIFICATION_EMAIL_MAX_AGE_HOURS when first seen are left in-app only."""
    cutoff = now - timedelta(hours=_rule("NOTIFICATION_EMAIL_MAX_AGE_HOURS"))
    pending = list(
        Notification.objects.filter(
            reminder__isnull=True, created_at__gte=cutoff, recipient__is_active=True
        )
        .order_by("created_at")
        .values_list("pk", "recipient_id", "issue_id", "created_at", "reason", "reason_phrase")[
            :5000
        ]
    )
    if not pending:
        return 0
    stamp = timezone.now()
    rows = [
        ReminderLog(
            kind=ReminderKind.NOTIFICATION,
            subject_key=f"notification:{pk}",
            issue_id=issue_id,
            recipient_id=recipient_id,
            due_on=timezone.localdate(created_at),
            reason=(reason or "")[:300],
            reason_phrase=reason_phrase,
            status=LogStatus.CLAIMED,
            claimed_at=stamp,
            claim_token=token,
        )
        for pk, recipient_id, issue_id, created_at, reason, reason_phrase in pending
    ]
    with transaction.atomic():
        ReminderLog.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
        mine = ReminderLog.objects.filter(claim_token=token, kind=ReminderKind.NOTIFICATION)
        links = [
            Notification(pk=int(key.split(":", 1)[1]), reminder_id=pk)
            for key, pk in mine.values_list("subject_key", "pk")
        ]
        Notification.objects.bulk_update(links, ["reminder"], batch_size=500)
    return len(links)


def outbox_write(*, kind: str, recipient_id: int) -> None:
    """The outbox's writer (``roundtable.lib.outbox.queue``): one queued row, in the caller's
    transaction, that the next delivery run claims and sends on its own."""
    ReminderLog.objects.create(
        kind=kind,
        subject_key=f"mail:{_new_token()[:24]}",
        recipient_id=recipient_id,
        due_on=timezone.localdate(),
        status=LogStatus.QUEUED,
        claimed_at=timezone.now(),
        claim_token="",
    )


def notices_write(notices) -> None:
    """The in-app notices' writer (``roundtable.lib.notices.write``): one bulk insert, in the
    caller's transaction; ``reminders_deliver_pending`` e-mails them."""
    Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=notice.recipient_id,
                issue_id=notice.issue_id,
                title=notice.title,
                reason=notice.reason,
                title_phrase=notice.title_phrase,
                reason_phrase=notice.reason_phrase,
                url=notice.url,
            )
            for notice in notices
        ]
    )


def reminders_deliver_pending(*, now: datetime | None = None) -> DeliveryReport:
    """The every-minute job: e-mail new in-app notifications and queued messages, retry
    failed sends whose time has come, and take over claims whose worker died (older than the
    lease)."""
    now = now or timezone.now()
    token = _new_token()
    notifications_claim(now=now, token=token)
    stale = Q(
        status=LogStatus.CLAIMED,
        claimed_at__lt=now - timedelta(seconds=_rule("REMINDER_CLAIM_LEASE_SECONDS")),
    )
    # A dead worker's message that was being sent may have reached the mail server: every
    # reminder in it is marked uncertain before it is sent again.
    cut_off = (
        ReminderLog.objects.filter(stale, error=IN_FLIGHT)
        .values_list("claim_token", "recipient_id")
        .distinct()
    )
    for dead_token, recipient_id in cut_off:
        ReminderLog.objects.filter(
            stale, claim_token=dead_token, recipient_id=recipient_id
        ).exclude(error__startswith=UNCERTAIN_NOTE).update(error=UNCERTAIN_NOTE)
    # One conditional UPDATE: of two workers recovering the same row, only one matches.
    ReminderLog.objects.filter(
        stale | Q(status=LogStatus.RETRY, next_try_at__lte=now) | Q(status=LogStatus.QUEUED)
    ).exclude(claim_token=token).update(
        status=LogStatus.CLAIMED, claim_token=token, claimed_at=timezone.now(), next_try_at=None
    )
    return reminders_deliver(rows=_claimed_by(token), now=now)


# --- Sending ------------------------------------------------------------------------------


def _was_cut_off(row: ReminderLog) -> bool:
    """A message that held this reminder may already have gone out."""
    return row.error.startswith(UNCERTAIN_NOTE)


def _with_note(row: ReminderLog, text: str) -> str:
    return f"{UNCERTAIN_NOTE} {text}" if row._uncertain else text


def _update(rows: list[ReminderLog], **values) -> int:
    """Update rows this run still holds (same claim token, still claimed). Named by their
    recipients too, so that the claim index (token, recipient) finds them among the run's
    rows whichever index PostgreSQL picks (models.ReminderLog, ``reminder_claimed``)."""
    if not rows:
        return 0
    return ReminderLog.objects.filter(
        pk__in=[r.pk for r in rows],
        claim_token=rows[0].claim_token,
        recipient_id__in={r.recipient_id for r in rows},
        status=LogStatus.CLAIMED,
    ).update(**values)


def _split(rows):
    return [r for r in rows if not r._uncertain], [r for r in rows if r._uncertain]


def _mark_in_flight(rows: list[ReminderLog]) -> ReminderLog | None:
    """Record, on one row of the message (its marker), that the mail server is being asked
    to take it: one write per message, committed before the first byte goes out. Returns
    the marker, or None when another run has taken the message over."""
    marker = min(rows, key=lambda r: r.pk)
    if not _update([marker], attempts=F("attempts") + 1, error=IN_FLIGHT):
        return None
    for row in rows:
        row.attempts += 1  # the marker's in the database now, the others' when settled
    return marker


def _mark_sent(rows: list[ReminderLog], marker: ReminderLog, report: DeliveryReport) -> None:
    stamp = timezone.now()
    for group in _split(rows):
        if not group:
            continue
        values = {
            "status": LogStatus.UNCERTAIN if group[0]._uncertain else LogStatus.SENT,
            "sent_at": stamp,
            "next_try_at": None,
            "error": UNCERTAIN_NOTE if group[0]._uncertain else "",
        }
        # One statement per group: the marker counted its attempt when it went in flight.
        attempts = F("attempts") + 1
        if marker in group:
            attempts = Case(When(pk=marker.pk, then=F("attempts")), default=attempts)
        done = _update(group, attempts=attempts, **values)
        if group[0]._uncertain:
            report.uncertain += done
        else:
            report.sent += done


def retry_delay(attempts: int) -> timedelta:
    """After the n-th failed attempt: 1, 4, 16, 64 minutes… (with the default base)."""
    base = timedelta(seconds=_rule("REMINDER_RETRY_BASE_SECONDS"))
    return min(base * 4 ** max(attempts - 1, 0), MAX_RETRY_DELAY)


def _record_failure(rows, reason: str, *, permanent: bool, report: DeliveryReport) -> None:
    """Settle a failed attempt (``attempts`` already counts it in memory): retry later with
    back-off, or fail for good after REMINDER_MAX_TRIES attempts or a permanent refusal."""
    max_tries = _rule("REMINDER_MAX_TRIES")
    groups = defaultdict(list)
    for row in rows:
        final = permanent or row.attempts >= max_tries
        groups[(final, row.attempts, row._uncertain)].append(row)
    now = timezone.now()
    for (final, attempts, uncertain), group in groups.items():
        error = ((f"{UNCERTAIN_NOTE} " if uncertain else "") + reason)[:2000]
        if final:
            report.failed += _update(
                group, status=LogStatus.FAILED, attempts=attempts, error=error, next_try_at=None
            )
        else:
            report.retry += _update(
                group,
                status=LogStatus.RETRY,
                attempts=attempts,
                error=error,
                next_try_at=now + retry_delay(attempts),
            )


def _release(rows, report: DeliveryReport) -> None:
    """Put back, untried, what this run will not send (the mail server is unreachable)."""
    later = timezone.now() + retry_delay(1)
    for group in _split(rows):
        if group:
            report.deferred += _update(
                group,
                status=LogStatus.RETRY,
                error=_with_note(group[0], NOT_TRIED),
                next_try_at=later,
            )


def _out_of_scope(rows: list[ReminderLog]) -> list[ReminderLog]:
    """The rows of one recipient's message about an issue that recipient may not read now.
    One query for the whole message (in slices of 5,000 ids), whatever its size."""
    issue_ids = sorted({r.issue_id for r in rows if r.issue_id})
    if not issue_ids:
        return []
    readable = set()
    visible = Issue.objects.visible_to(rows[0].recipient)
    for start in range(0, len(issue_ids), 5000):
        readable.update(
            visible.filter(pk__in=issue_ids[start : start + 5000])
            .order_by()
            .values_list("pk", flat=True)
        )
    return [r for r in rows if r.issue_id and r.issue_id not in readable]


def _skip(rows: list[ReminderLog], report: DeliveryReport) -> None:
    """Settle, for good, reminders that are no longer the recipient's business."""
    report.skipped += _update(rows, status=LogStatus.SKIPPED, error=OUT_OF_SCOPE, next_try_at=None)


def _close_quietly(connection) -> None:
    try:
        connection.close()
    except Exception:  # a connection that broke while sending may not close cleanly
        logger.debug("closing the mail connection failed", exc_info=True)


def reminders_deliver(*, rows: list[ReminderLog], now: datetime) -> DeliveryReport:
    """Send the claimed ``rows``: one message per recipient, over one mail connection."""
    report = DeliveryReport(claimed=len(rows))
    if not rows:
        return report
    for row in rows:
        row._uncertain = _was_cut_off(row)
    # Who may read what is asked per recipient below: their roles are read here for all.
    roles.preload({row.recipient_id: row.recipient for row in rows}.values())
    subjects = Subjects(rows, now)
    # One message per recipient; a message of a registered kind (outbox) goes on its own.
    by_recipient: dict[tuple[int, int], list[ReminderLog]] = defaultdict(list)
    for row in rows:
        by_recipient[(row.recipient_id, row.pk if outbox.get(row.kind) else 0)].append(row)
    connection = mail.get_connection()
    unreachable = False
    lease = timedelta(seconds=_rule("REMINDER_CLAIM_LEASE_SECONDS"))
    renewed = timezone.now()
    try:
        for own in by_recipient.values():
            recipient = own[0].recipient
            if timezone.now() - renewed > lease / 3:
                # A long run keeps its claims: another worker takes over only dead ones.
                renewed = timezone.now()
                ReminderLog.objects.filter(
                    claim_token=own[0].claim_token, status=LogStatus.CLAIMED
                ).update(claimed_at=renewed)
            if unreachable:
                _release(own, report)
                continue
            if not recipient.email or not recipient.is_active:
                for row in own:
                    row.attempts += 1
                _record_failure(
                    own,
                    "no e-mail address" if recipient.is_active else "account deactivated",
                    permanent=True,
                    report=report,
                )
                continue
            dropped = _out_of_scope(own)
            if dropped:
                _skip(dropped, report)
                gone = {r.pk for r in dropped}
                own = [r for r in own if r.pk not in gone]
                if not own:
                    continue
            fault_point("claimed")
            marker = _mark_in_flight(own)
            if marker is None:
                continue
            try:
                message = render_message(recipient, own, subjects, connection=connection)
            except Exception as exc:
                logger.exception("could not render the reminder e-mail for %s", recipient.pk)
                _record_failure(own, describe(exc), permanent=True, report=report)
                continue
            try:
                connection.send_messages([message])
            except Exception as exc:
                permanent, unreachable = classify(exc)
                reason = describe(exc)
                logger.warning("sending to user %s failed: %s", recipient.pk, reason)
                _record_failure(own, reason, permanent=permanent, report=report)
                _close_quietly(connection)
                continue
            report.messages += 1
            fault_point("sent")
            _mark_sent(own, marker, report)
            fault_point("marked")
    finally:
        _close_quietly(connection)
    return report
