"""What a reminder is about, and its e-mail: one message per recipient and run, in the
recipient's language, a line per subject (an issue, a meeting, an enterprise…), sections by
kind, most pressing first. The pipeline that sends them is ``delivery.py``."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from functools import cached_property

from django.conf import settings
from django.core import mail
from django.template.loader import render_to_string
from django.utils import timezone, translation

from issues.models import Issue
from issues.querysets import working_days_late
from roundtable.enterprises.models import Enterprise
from roundtable.lib import outbox
from roundtable.lib.phrases import PHRASES, Phrase
from roundtable.lib.reminders import ReminderKind
from roundtable.lib.reminders import setting as _rule
from roundtable.meetings.models import Meeting, Roundtable
from roundtable.notifications.digests import digest_sections
from roundtable.notifications.links import absolute, one_line, path_to
from roundtable.notifications.models import Notification, ReminderLog
from roundtable.workdays import services as workdays
from roundtable.workdays.table import WorkdayTable

AUTOMATIC = {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"}


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
        self.issue_path = path_to("issues:detail", 987654321).replace("987654321", "{pk}")
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
        # Titles by what they depend on (``Item.title_key``), worded once per language: at
        # 100,000 issues a day's run has 50,000 reminders about 2,000 subjects, each due to
        # every liaison of the department.
        self.titles: dict[tuple, Phrase | None] = {}
        self.worded: dict[tuple, str] = {}
        self.bodies: dict[tuple, str] = {}
        self.reasons: dict[tuple, str] = {}
        notice_rows = [r.pk for r in rows if r.kind == ReminderKind.NOTIFICATION]
        self.notifications = {}
        for start in range(0, len(notice_rows), 5000):
            for n in Notification.objects.filter(reminder_id__in=notice_rows[start : start + 5000]):
                self.notifications[n.reminder_id] = n

    def item(self, row: ReminderLog) -> Item:
        return Item(row, self)

    def reason_of(self, row: ReminderLog) -> str:
        """The row's reason in the active language (``ReminderLog.shown_reason``), worded once
        per batch for the many rows that share it (every liaison's, every head's)."""
        key = (repr(row.reason_phrase), row.reason, translation.get_language())
        worded = self.reasons
        if key not in worded:
            worded[key] = row.shown_reason
        return worded[key]


class Item:
    """One reminder as the templates see it (``emails/<kind>.subject.txt|.txt|.html``).
    Text properties are rendered in the active language."""

    def __init__(self, row: ReminderLog, subjects: Subjects):
        self.row = row
        self.kind = row.kind
        # The other reminders about the same subject in the same message (``_lines``), and
        # every reason the recipient has for this line.
        self.also: list[Item] = []
        self.reasons: list[str] = [subjects.reason_of(row)]
        self.listed_issue_ids: set[int] = set()
        self.due_on = row.due_on
        self.today = subjects.today
        self._subjects = subjects
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
            return path_to("meetings:detail", self.meeting.pk)
        if self.enterprise:
            return path_to("enterprises:detail", self.enterprise.pk)
        if self.kind == ReminderKind.QUARTER:
            return path_to("meetings:list")
        return path_to("dashboard:home")

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
        return working_days_late(self.deadline, self.today, between=self._table.between)

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
    def title_key(self) -> tuple:
        """What the title depends on: the kind, the subject and the day (the issue's, the
        meeting's fields are the batch's, ``Subjects``)."""
        row = self.row
        return (row.kind, row.subject_key, row.issue_id, row.meeting_id, row.due_on)

    @property
    def title_phrase(self) -> Phrase | None:
        """The one-line title as a phrase (``title.<kind>`` in lib/phrases.py): what the
        in-app notice keeps, worded when read. Made once per batch for each ``title_key``."""
        key = self.title_key
        titles = self._subjects.titles
        if key not in titles:
            titles[key] = self._title_phrase()
        return titles[key]

    def _title_phrase(self) -> Phrase | None:
        if f"title.{self.kind}" not in PHRASES:
            return None
        issue = self.issue or {}
        meeting = self.meeting
        return Phrase(
            f"title.{self.kind}",
            reference=issue.get("reference", ""),
            title=issue.get("title", ""),
            deadline=self.deadline.isoformat() if self.deadline else "",
            late=self.working_days_late,
            quiet=self.quiet_days,
            due_on=self.due_on.isoformat(),
            enterprise=self.enterprise or "",
            topic=meeting.topic if meeting else "",
            closes=meeting.intake_closes_on.isoformat()
            if meeting and meeting.intake_closes_on
            else "",
            when=f"{self.meeting_day:%Y-%m-%d %H:%M}" if meeting else "",
            quarter=self.quarter,
        )

    @property
    def title(self) -> str:
        """The one-line title, in the active language."""
        if self.kind == ReminderKind.NOTIFICATION:
            return one_line(self.notification.shown_title if self.notification else "", 300)
        key = (self.title_key, translation.get_language())
        worded = self._subjects.worded
        if key not in worded:
            phrase = self.title_phrase
            worded[key] = one_line(str(phrase), 300) if phrase is not None else self.kind
        return worded[key]

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

    @property
    def text_body(self) -> str:
        return self._body(self.text_template)

    @property
    def html_body(self) -> str:
        return self._body(self.html_template)

    def _body(self, template: str) -> str:
        """The line's own text (``emails/<kind>.txt|.html``), in the active language. It
        depends on the subject alone, but for the weekly digest (the recipient's issues) and
        a notification (its own row): rendered once per batch for every recipient of it."""
        if self.kind in (ReminderKind.DIGEST, ReminderKind.NOTIFICATION):
            return render_to_string(template, {"item": self})
        key = (self.title_key, translation.get_language(), template)
        bodies = self._subjects.bodies
        if key not in bodies:
            bodies[key] = render_to_string(template, {"item": self})
        return bodies[key]

    @cached_property
    def digest(self) -> list[dict]:
        return digest_sections(self.row.recipient, today=self.today, listed=self.listed_issue_ids)


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
            reason = subjects.reason_of(row)
            if reason not in line.reasons:
                line.reasons.append(reason)
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
            "home_url": absolute(path_to("dashboard:home")),
            "notifications_url": absolute(path_to("notifications:list")),
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
