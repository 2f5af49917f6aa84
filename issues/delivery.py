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
``issues/services.py`` without a reminder row gets one (kind "notification") from
``reminders_deliver_pending``, which beat runs every minute. Nothing here is called from a web
request, so a broker or mail server outage never slows a save.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property

from django.conf import settings
from django.core import mail
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from departments.models import Department, DepartmentMembership
from issues.models import Issue, Notification, ReminderLog
from issues.reminders import ReminderKind, ReminderSpec, WorkdayTable
from roundtable.accounts import roles
from roundtable.enterprises.models import Enterprise
from roundtable.lib import outbox
from roundtable.meetings.models import Meeting, Roundtable
from roundtable.workdays import services as workdays

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

AUTOMATIC = {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"}


def fault_point(name: str) -> None:
    """Where a worker can die: "before_claim", "claimed" (before the attempt is recorded),
    "sent" (the mail server accepted, not yet marked) and "marked". A no-op; the fault tests
    replace it to stop the pipeline at each point."""


def _rule(name: str):
    return settings.ROUNDTABLE[name]


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


def _insert(model, columns: list[str], values: list[tuple], *, ignore_conflicts=False) -> None:
    """Multi-row INSERTs straight from tuples. ``bulk_create`` builds and compiles a model
    instance per row, which is most of a daily run's time at tens of thousands of reminders.
    With ``ignore_conflicts`` a row whose unique key exists is skipped, as bulk_create does."""
    if not values:
        return
    ops = connection.ops
    fields = {f.attname: f for f in model._meta.concrete_fields}
    adapters = []
    for name in columns:
        kind = fields[name].get_internal_type()
        adapters.append(
            ops.adapt_datetimefield_value
            if kind == "DateTimeField"
            else ops.adapt_datefield_value
            if kind == "DateField"
            else None
        )
    sqlite = connection.vendor == "sqlite"
    verb = "INSERT OR IGNORE INTO" if ignore_conflicts and sqlite else "INSERT INTO"
    tail = " ON CONFLICT DO NOTHING" if ignore_conflicts and not sqlite else ""
    names = ", ".join(ops.quote_name(fields[c].column) for c in columns)
    head = f"{verb} {ops.quote_name(model._meta.db_table)} ({names}) VALUES "
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    limit = 30_000 if not sqlite or _sqlite_many() else 900  # parameters per statement
    per_statement = max(1, limit // len(columns))
    with connection.cursor() as cursor:
        for start in range(0, len(values), per_statement):
            part = values[start : start + per_statement]
            params = [
                adapt(value) if adapt and value is not None else value
                for row in part
                for value, adapt in zip(row, adapters, strict=True)
            ]
            cursor.execute(head + ", ".join([one] * len(part)) + tail, params)


def _sqlite_many() -> bool:
    import sqlite3

    return sqlite3.sqlite_version_info >= (3, 32, 0)  # 32,766 parameters per statement


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
        with translation.override(language):
            values.extend(
                (
                    spec.kind,
                    spec.subject_key,
                    spec.issue_id,
                    spec.meeting_id,
                    spec.recipient_id,
                    spec.due_on,
                    LogStatus.CLAIMED.value,
                    str(spec.reason)[:300],
                    0,
                    stamp,
                    token,
                    None,
                    None,
                    "",
                )
                for spec in group
            )
    with transaction.atomic():
        _insert(ReminderLog, LOG_COLUMNS, values, ignore_conflicts=True)
        mine = _claimed_by(token)
        _write_in_app(mine, now)
    return mine


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
                values.append(
                    (
                        row.recipient_id,
                        item.title[:300],
                        "",
                        row.reason,
                        item.path[:300],
                        row.issue_id,
                        row.pk,
                        stamp,
                        None,
                    )
                )
    _insert(
        Notification,
        ["recipient_id", "title", "body", "reason", "url", "issue_id", "reminder_id"]
        + ["created_at", "read_at"],
        values,
    )


def notifications_claim(*, now: datetime, token: str) -> int:
    """Claim an e-mail for each in-app notification that has none yet (written by
    ``issues/services.py`` in the transaction of the change it announces). Notices older than
    NOTIFICATION_EMAIL_MAX_AGE_HOURS when first seen are left in-app only."""
    cutoff = now - timedelta(hours=_rule("NOTIFICATION_EMAIL_MAX_AGE_HOURS"))
    pending = list(
        Notification.objects.filter(
            reminder__isnull=True, created_at__gte=cutoff, recipient__is_active=True
        )
        .order_by("created_at")
        .values_list("pk", "recipient_id", "issue_id", "created_at", "reason")[:5000]
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
            status=LogStatus.CLAIMED,
            claimed_at=stamp,
            claim_token=token,
        )
        for pk, recipient_id, issue_id, created_at, reason in pending
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
    """Update rows this run still holds (same claim token, still claimed)."""
    if not rows:
        return 0
    return ReminderLog.objects.filter(
        pk__in=[r.pk for r in rows], claim_token=rows[0].claim_token, status=LogStatus.CLAIMED
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
    marker._marker = True
    return marker


def _others(rows):
    return [r for r in rows if not getattr(r, "_marker", False)]


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
        done = _update(_others(group), attempts=F("attempts") + 1, **values)
        if marker in group:
            done += _update([marker], **values)
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
            visible.filter(pk__in=issue_ids[start : start + 5000]).values_list("pk", flat=True)
        )
    return [r for r in rows if r.issue_id and r.issue_id not in readable]


def _skip(rows: list[ReminderLog], report: DeliveryReport) -> None:
    """Settle, for good, reminders that are no longer the recipient's business."""
    report.skipped += _update(rows, status=LogStatus.SKIPPED, error=OUT_OF_SCOPE, next_try_at=None)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        parts = [f"{code} {_text(msg)}" for code, msg in exc.recipients.values()]
        return "SMTP recipient refused: " + "; ".join(parts)
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}"
    if isinstance(exc, TimeoutError):
        return f"timeout talking to the mail server: {exc}".rstrip(": ")
    if isinstance(exc, ConnectionRefusedError):
        return f"the mail server refused the connection: {exc}"
    return f"{type(exc).__name__}: {exc}".rstrip(": ") or type(exc).__name__


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _classify(exc: BaseException) -> tuple[bool, bool]:
    """(permanent, server unreachable). A 5xx refusal of this message is permanent; a 4xx,
    a timeout or a refused connection is worth retrying, and the last two (and a failed
    login or greeting) mean the rest of the run would fail the same way."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes), False
    if isinstance(
        exc,
        smtplib.SMTPServerDisconnected
        | smtplib.SMTPConnectError
        | smtplib.SMTPHeloError
        | smtplib.SMTPAuthenticationError
        | smtplib.SMTPSenderRefused
        | smtplib.SMTPNotSupportedError,
    ):
        return False, True
    if isinstance(exc, smtplib.SMTPResponseException):
        return 500 <= exc.smtp_code < 600, False
    if isinstance(exc, OSError):  # refused, reset, timed out, TLS
        return False, True
    return False, False


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
                _record_failure(own, _describe(exc), permanent=True, report=report)
                continue
            try:
                connection.send_messages([message])
            except Exception as exc:
                permanent, unreachable = _classify(exc)
                reason = _describe(exc)
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


# --- What a reminder is about, and its e-mail ---------------------------------------------


def _path(name: str, *args, default: str = "/") -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return default


def absolute(path: str) -> str:
    if path.startswith(("http://", "https://")):
        return path
    return settings.SITE_URL + (path if path.startswith("/") else "/" + path)


def one_line(text: str, limit: int = 200) -> str:
    """A header value on one line: every run of whitespace, CR and LF included, becomes one
    space, so a title cannot add a header (SECURITY.md §2 case 10)."""
    return " ".join(str(text).split())[:limit]


# The one-line title of each kind of reminder: the in-app notice's title and, by default
# (``emails/<kind>.subject.txt``), the subject of an e-mail that carries only that reminder.
# Formatted in Python: a daily run titles tens of thousands of notices.
TITLES = {
    ReminderKind.ACCEPTANCE: _("Not yet accepted: {reference} {title}"),
    ReminderKind.DEADLINE: _("Due on {deadline}: {reference} {title}"),
    ReminderKind.OVERDUE: ngettext_lazy(
        "Overdue by {late} working day: {reference} {title}",
        "Overdue by {late} working days: {reference} {title}",
        "late",
    ),
    ReminderKind.ESCALATED: _("Escalated to the chairperson: {reference} {title}"),
    ReminderKind.NO_UPDATE: ngettext_lazy(
        "No update for {quiet} working day: {reference} {title}",
        "No update for {quiet} working days: {reference} {title}",
        "quiet",
    ),
    ReminderKind.DIGEST: _("Weekly supervision digest, week of {due_on}"),
    ReminderKind.VISIT: _("Service visit due: {enterprise}"),
    ReminderKind.INTAKE: _("Intake closes on {closes}: {topic}"),
    ReminderKind.MEETING: _("Meeting on {when}: {topic}"),
    ReminderKind.MINUTES: _("Minutes not yet published: {topic}"),
    ReminderKind.QUARTER: _("No roundtable meeting yet in {quarter}"),
}
# The order of the sections of a message: the most pressing first.
KIND_ORDER = [
    ReminderKind.ESCALATED,
    ReminderKind.OVERDUE,
    ReminderKind.ACCEPTANCE,
    ReminderKind.DEADLINE,
    ReminderKind.NO_UPDATE,
    ReminderKind.MEETING,
    ReminderKind.INTAKE,
    ReminderKind.MINUTES,
    ReminderKind.QUARTER,
    ReminderKind.VISIT,
    ReminderKind.NOTIFICATION,
    ReminderKind.DIGEST,
]


class Subjects:
    """The issues, meetings, enterprises and notifications a batch of log rows is about,
    loaded with one query per kind of subject, and a working-day table for their dates."""

    def __init__(self, rows: list[ReminderLog], now: datetime):
        self.now = now
        self.today = timezone.localdate(now)
        self.table = WorkdayTable(self.today - timedelta(days=400), self.today + timedelta(days=60))
        # reverse() once, not once per reminder.
        self.issue_path = _path("issues:detail", 987654321).replace("987654321", "{pk}")
        issue_ids = sorted({r.issue_id for r in rows if r.issue_id})
        self.issues = {}
        for start in range(0, len(issue_ids), 5000):
            for values in Issue.objects.filter(pk__in=issue_ids[start : start + 5000]).values(
                "pk", "reference", "title", "deadline", "status", "escalated_on"
            ):
                self.issues[values["pk"]] = values
        meeting_ids = {r.meeting_id for r in rows if r.meeting_id}
        self.meetings = {m.pk: m for m in Meeting.objects.filter(pk__in=meeting_ids)}
        enterprise_ids = {
            int(r.subject_key.split(":")[1])
            for r in rows
            if r.subject_key.startswith("enterprise:")
        }
        self.enterprises = {e.pk: e for e in Enterprise.objects.filter(pk__in=enterprise_ids)}
        roundtable_ids = {
            int(r.subject_key.split(":")[1])
            for r in rows
            if r.subject_key.startswith("roundtable:")
        }
        self.roundtables = {rt.pk: rt for rt in Roundtable.objects.filter(pk__in=roundtable_ids)}
        notice_rows = [r.pk for r in rows if r.kind == ReminderKind.NOTIFICATION]
        self.notifications = {}
        for start in range(0, len(notice_rows), 5000):
            for n in Notification.objects.filter(reminder_id__in=notice_rows[start : start + 5000]):
                self.notifications[n.reminder_id] = n

    def item(self, row: ReminderLog) -> Item:
        return Item(row, self)


class Item:
    """One reminder as the templates see it (``emails/<kind>.subject.txt|.txt|.html``).
    Text properties are rendered in the active language."""

    def __init__(self, row: ReminderLog, subjects: Subjects):
        self.row = row
        self.kind = row.kind
        # The other reminders about the same subject in the same message (``_lines``), and
        # every reason the recipient has for this line.
        self.also: list[Item] = []
        self.reasons: list[str] = [row.reason]
        self.listed_issue_ids: set[int] = set()
        self.due_on = row.due_on
        self.today = subjects.today
        self._table = subjects.table
        self._issue_path = subjects.issue_path
        self.issue = subjects.issues.get(row.issue_id) if row.issue_id else None
        self.meeting = subjects.meetings.get(row.meeting_id) if row.meeting_id else None
        self.notification = subjects.notifications.get(row.pk)
        key, _sep, rest = row.subject_key.partition(":")
        self.enterprise = subjects.enterprises.get(int(rest)) if key == "enterprise" else None
        self.roundtable = None
        self.quarter = ""
        if key == "roundtable":
            rt_id, _sep, self.quarter = rest.partition(":")
            self.roundtable = subjects.roundtables.get(int(rt_id))
        self.subject_template = f"emails/{self.kind}.subject.txt"
        self.text_template = f"emails/{self.kind}.txt"
        self.html_template = f"emails/{self.kind}.html"

    @cached_property
    def path(self) -> str:
        if self.kind == ReminderKind.NOTIFICATION:
            return (self.notification.url if self.notification else "") or "/"
        if self.issue:
            return self._issue_path.format(pk=self.issue["pk"])
        if self.meeting:
            return _path("meetings:detail", self.meeting.pk)
        if self.enterprise:
            return _path("enterprises:detail", self.enterprise.pk)
        if self.kind == ReminderKind.QUARTER:
            return _path("meetings:list")
        return _path("dashboard:home")

    @property
    def url(self) -> str:
        return absolute(self.path)

    @property
    def deadline(self) -> date | None:
        return self.issue["deadline"] if self.issue else None

    @property
    def reason(self) -> str:
        return " ".join(self.reasons)

    @property
    def deadline_is_today(self) -> bool:
        return self.deadline == self.today

    @property
    def deadline_on_day_off(self) -> bool:
        """A deadline on a weekend or holiday is reminded on the working days before it: it
        is not "today" on any of them."""
        return bool(self.deadline) and not self._table.is_working(self.deadline)

    @property
    def days_left(self) -> int:
        """Calendar days from today to the deadline."""
        return (self.deadline - self.today).days if self.deadline else 0

    @cached_property
    def working_days_late(self) -> int:
        return self._table.between(self.deadline, self.today) if self.deadline else 0

    @cached_property
    def working_days_left(self) -> int:
        return self._table.between(self.today, self.deadline) if self.deadline else 0

    @property
    def quiet_days(self) -> int:
        return _rule("STALE_AFTER_WORKING_DAYS")

    @property
    def deadline_provisional(self) -> bool:
        return bool(self.deadline) and workdays.is_provisional(self.deadline)

    @property
    def meeting_day(self):
        return timezone.localtime(self.meeting.starts_at) if self.meeting else None

    @property
    def title(self) -> str:
        """The one-line title, in the active language."""
        if self.kind == ReminderKind.NOTIFICATION:
            return one_line(self.notification.title if self.notification else "", 300)
        template = TITLES.get(self.kind)
        if template is None:
            return self.kind
        issue = self.issue or {}
        meeting = self.meeting
        return one_line(
            template.format(
                reference=issue.get("reference", ""),
                title=issue.get("title", ""),
                deadline=self.deadline.isoformat() if self.deadline else "",
                late=self.working_days_late,
                quiet=self.quiet_days,
                due_on=self.due_on.isoformat(),
                enterprise=self.enterprise.name if self.enterprise else "",
                topic=meeting.topic if meeting else "",
                closes=meeting.intake_closes_on.isoformat()
                if meeting and meeting.intake_closes_on
                else "",
                when=f"{self.meeting_day:%Y-%m-%d %H:%M}" if meeting else "",
                quarter=self.quarter,
            ),
            300,
        )

    @property
    def headline(self) -> str:
        """The title without the issue's reference and title: what this reminder adds to
        the line of another one about the same issue (``_lines``)."""
        issue = self.issue or {}
        text = self.title
        for part in (
            f"{issue.get('reference', '')} {issue.get('title', '')}",
            issue.get("reference"),
        ):
            if part and part.strip():
                text = text.replace(one_line(part, 300), "")
        return text.strip(" :：") or self.title

    @cached_property
    def digest(self) -> list[dict]:
        return digest_sections(self.row.recipient, today=self.today, listed=self.listed_issue_ids)


def digest_sections(user, *, today: date, listed: Iterable[int] = ()) -> list[dict]:
    """The weekly digest's sections: the issues ``user`` monitors, and each department they
    head. Counts and the first ten of each list, with ledger links for the rest. Every
    section counts and lists only issues ``user`` may read when it is sent
    (``Issue.objects.visible_to``), in SQL: a query per section, not per issue.

    Each issue is listed once in the message: an issue already listed (``listed``: the
    message's other lines, then the sections before) is only counted as "listed above"."""
    soon = workdays.add_working_days(today, _rule("DUE_SOON_WORKING_DAYS"))
    week_ago = today - timedelta(days=7)
    ledger = _path("issues:ledger", default="")
    readable = Issue.objects.visible_to(user)
    user_id = user.pk
    seen = set(listed)
    sections = []
    if readable.filter(monitor_id=user_id).exists():
        sections.append(
            _digest_section(
                translation.gettext("Issues you monitor"),
                readable.filter(monitor_id=user_id),
                {"monitor": user_id},
                today,
                soon,
                week_ago,
                ledger,
                seen,
            )
        )
    heads = (
        DepartmentMembership.objects.current(on=today)
        .heads()
        .filter(user_id=user_id)
        .values("department_id")
    )
    for dept in Department.objects.filter(pk__in=heads).order_by("code"):
        sections.append(
            _digest_section(
                dept.name,
                readable.for_department(dept.pk),
                {"department": dept.pk},
                today,
                soon,
                week_ago,
                ledger,
                seen,
            )
        )
    return sections


def _digest_section(title, qs, params, today, soon, week_ago, ledger, seen: set[int]) -> dict:
    """One section; adds the issues it lists to ``seen``."""
    Status = Issue.Status
    active = ~Q(status__in=[Status.CLOSED, Status.CONCLUSION_REPORTED])
    counts = qs.aggregate(
        open=Count("pk", filter=~Q(status=Status.CLOSED)),
        overdue=Count("pk", filter=active & Q(deadline__lt=today)),
        due_soon=Count("pk", filter=active & Q(deadline__gte=today, deadline__lte=soon)),
        concluded=Count("pk", filter=Q(concluded_on__gte=week_ago)),
    )
    fields = ("pk", "reference", "title", "deadline", "concluded_on")

    above = {}

    def rows(name, queryset):
        above[name] = queryset.filter(pk__in=seen).count() if seen else 0
        return [
            {**values, "url": absolute(_path("issues:detail", values["pk"]))}
            for values in queryset.exclude(pk__in=seen).values(*fields)[:10]
        ]

    def link(extra):
        if not ledger:
            return ""
        return absolute(f"{ledger}?{urlencode({**params, **extra})}")

    due_within = _rule("DUE_SOON_WORKING_DAYS")
    lists = {
        "overdue": rows("overdue", qs.overdue(on=today).order_by("deadline", "pk")),
        "due_soon": rows("due_soon", qs.due_between(today, soon).order_by("deadline", "pk")),
        "concluded": rows(
            "concluded", qs.filter(concluded_on__gte=week_ago).order_by("-concluded_on", "pk")
        ),
    }
    for listed in lists.values():
        seen.update(row["pk"] for row in listed)
    return {
        "title": title,
        "counts": counts,
        **lists,
        "above": above,
        # More than this message shows: the ledger link lists them all.
        "more": {name: counts[name] > len(listed) + above[name] for name, listed in lists.items()},
        "links": {
            "open": link({}),
            "overdue": link({"overdue": 1}),
            "due_soon": link({"due_within": due_within}),
            "concluded": link({"concluded_from": week_ago.isoformat()}),
        },
    }


def _lines(rows: list[ReminderLog], subjects: Subjects) -> list[Item]:
    """One line per subject (an issue, a meeting, an enterprise…) per message. The reminders
    about one issue, for each seat its recipient holds (liaison and monitor, head of two
    departments) and each rule that fired (overdue and escalated, a deadline reminder and
    a catch-up of an earlier one), become the line of the most pressing one, which names
    the other kinds and gives every reason. Every row is still sent and logged."""
    rank = {kind: i for i, kind in enumerate(KIND_ORDER)}
    groups: dict[tuple, list[ReminderLog]] = defaultdict(list)
    for row in rows:
        key = ("issue", row.issue_id) if row.issue_id else ("subject", row.subject_key)
        groups[key].append(row)
    lines = []
    for group in groups.values():
        group.sort(key=lambda r: (rank.get(r.kind, len(rank)), r.due_on, r.pk))
        line = subjects.item(group[0])
        kinds = {line.kind}
        for row in group[1:]:
            if row.reason not in line.reasons:
                line.reasons.append(row.reason)
            # Two notices are two events; two reminders of one kind say the same thing.
            if row.kind not in kinds or row.kind == ReminderKind.NOTIFICATION:
                kinds.add(row.kind)
                line.also.append(subjects.item(row))
        lines.append(line)
    return lines


def _sections(rows: list[ReminderLog], subjects: Subjects) -> list[dict]:
    """A message's lines (``_lines``) by kind, most pressing first. Each section lists its
    first REMINDER_ITEMS_LISTED_PER_KIND lines in full and counts the rest (every one of
    them is in the recipient's in-app notifications); a reason shared by the whole section
    is said once. The weekly digest, last, leaves out the issues listed above it."""
    listed = max(1, _rule("REMINDER_ITEMS_LISTED_PER_KIND"))
    labels = dict(ReminderKind.choices)
    by_kind = defaultdict(list)
    for line in _lines(rows, subjects):
        by_kind[line.kind].append(line)
    order = KIND_ORDER + sorted(set(by_kind) - set(KIND_ORDER))
    sections = []
    shown_issues: set[int] = set()
    for kind in order:
        group = by_kind.get(kind)
        if not group:
            continue
        reasons = {line.reason for line in group}
        items = group[:listed]
        for item in items:
            if kind == ReminderKind.DIGEST:
                item.listed_issue_ids = set(shown_issues)
            shown_issues.update(i.issue["pk"] for i in (item, *item.also) if i.issue)
        sections.append(
            {
                "kind": kind,
                "label": labels.get(kind, kind),
                "count": len(group),
                "items": items,
                "more": max(0, len(group) - listed),
                "reason": reasons.pop() if len(reasons) == 1 and len(group) > 1 else "",
            }
        )
    return sections


def render_message(recipient, rows: list[ReminderLog], subjects: Subjects, *, connection=None):
    """One e-mail to ``recipient`` for all its ``rows``, in the recipient's language: plain
    text and HTML (autoescaped), a link to each subject, and why they got each reminder. A
    row of a registered outbox kind is its own message, built by its app."""
    registered = outbox.get(rows[0].kind) if len(rows) == 1 else None
    if registered is not None:
        message = registered.build(recipient)
        message.connection = connection
        message.subject = one_line(message.subject)
        message.extra_headers = {**AUTOMATIC, **message.extra_headers}
        return message
    language = recipient.preferred_language or settings.LANGUAGE_CODE
    with translation.override(language):
        sections = _sections(rows, subjects)
        count = sum(section["count"] for section in sections)
        context = {
            "recipient": recipient,
            "sections": sections,
            "count": count,
            "site_url": settings.SITE_URL,
            "home_url": absolute(_path("dashboard:home")),
            "notifications_url": absolute(_path("notifications:list")),
            "language": language,
        }
        if count == 1:
            item = sections[0]["items"][0]
            subject = render_to_string(item.subject_template, {"item": item})
        else:
            subject = render_to_string("emails/message.subject.txt", context)
        text = render_to_string("emails/message.txt", context)
        html = render_to_string("emails/message.html", context)
    message = mail.EmailMultiAlternatives(
        subject=one_line(subject),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        headers=dict(AUTOMATIC),
        connection=connection,
    )
    message.attach_alternative(html, "text/html")
    return message
