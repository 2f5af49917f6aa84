"""The vocabulary of reminder rules, and the registry they join.

Reminders are sent by ``roundtable.notifications`` (a high layer), but their rules belong to
the apps whose data they read: issues (acceptance, deadlines, overdue, escalation, no update,
the weekly digest) in ``issues/reminder_rules.py``, meetings (intake, the meeting, minutes,
the quarter's roundtable, service visits) in ``roundtable/meetings/reminder_rules.py``. Those
apps may not import notifications, so they meet here, at the bottom:

- each app's ``reminder_rules`` module calls ``register(rule, order=...)`` when imported;
  ``roundtable.notifications`` imports every installed app's ``reminder_rules`` module when
  it starts (``autodiscover_modules``);
- a rule is ``rule(today, table, people) -> Iterable[ReminderSpec]``: ``table`` is a
  ``roundtable.workdays.table.WorkdayTable``, ``people`` the seats held today
  (``roundtable.notifications.reminders.People``: ``active``, ``liaisons``, ``heads``,
  ``staff``, ``departments``);
- ``rules()`` lists them in ``order``, whatever the order the apps were loaded in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from roundtable.lib.i18n import prefers_chinese


class ReminderKind(models.TextChoices):
    ACCEPTANCE = "acceptance_overdue", _("Assignment not accepted")
    DEADLINE = "deadline_soon", _("Deadline ahead")
    OVERDUE = "overdue", _("Overdue")
    ESCALATED = "escalated", _("Escalated")
    NO_UPDATE = "no_update", _("No update")
    DIGEST = "weekly_digest", _("Weekly supervision digest")
    VISIT = "visit_due", _("Service visit due")
    INTAKE = "intake_closing", _("Meeting intake closing")
    MEETING = "meeting_tomorrow", _("Meeting on the next working day")
    MINUTES = "minutes_unpublished", _("Minutes unpublished")
    QUARTER = "quarter_no_roundtable", _("No roundtable this quarter")
    NOTIFICATION = "notification", _("Notification")


def setting(name: str):
    """One of the reminder settings in ``settings.ROUNDTABLE``."""
    return settings.ROUNDTABLE[name]


@dataclass(frozen=True)
class ReminderSpec:
    """One reminder due to one person. ``reason`` is lazy text, rendered in the recipient's
    language when the reminder is claimed; ``key`` is ReminderLog's unique key."""

    kind: str
    subject_key: str
    recipient_id: int
    due_on: date
    reason: object = field(compare=False)
    issue_id: int | None = None
    meeting_id: int | None = None

    @property
    def key(self) -> tuple[str, str, int, date]:
        return (self.subject_key, self.kind, self.recipient_id, self.due_on)


def spec(kind, subject_key, recipient_id, due_on, reason, *, issue_id=None, meeting_id=None):
    return ReminderSpec(
        kind=kind,
        subject_key=subject_key,
        recipient_id=recipient_id,
        due_on=due_on,
        reason=reason,
        issue_id=issue_id,
        meeting_id=meeting_id,
    )


class Names:
    """Several names, joined in the active language's way."""

    def __init__(self, names: list):
        self.names = names

    def __bool__(self) -> bool:
        return bool(self.names)

    def __str__(self) -> str:
        return ("、" if prefers_chinese() else ", ").join(str(name) for name in self.names)


def day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


# --- The registry -------------------------------------------------------------------------

Rule = Callable[..., Iterable[ReminderSpec]]
_rules: dict[tuple[str, str], tuple[int, Rule]] = {}


def register(rule: Rule, *, order: int) -> Rule:
    """Add a rule; a module imported twice registers its rules once."""
    _rules[(rule.__module__, rule.__qualname__)] = (order, rule)
    return rule


def rules() -> list[Rule]:
    return [rule for _key, (_order, rule) in sorted(_rules.items(), key=lambda i: (i[1][0], i[0]))]
