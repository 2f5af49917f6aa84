"""Reminders and escalation: who must be told what today.

``reminders_due(today=...)`` decides from the database alone, with a constant number of
set-based queries, which reminders are due on a day. Each reminder has a key (subject, kind,
recipient, due day) that is unique in ``ReminderLog``; ``delivery.py`` claims a reminder
by inserting that row, so a rerun, a duplicated task or a second worker sends nothing twice, and
a run that was missed is caught up by the next one: one-off reminders are keyed by the day they
were due to go (a deadline's "3 working days before", an assignment's acceptance limit), and are
due on every working day from then on until one run has sent them.

Reminders go out on working days only (China's calendar, ``roundtable.workdays``), from
``ROUNDTABLE["REMINDER_HOUR"]`` in TIME_ZONE (Asia/Shanghai). The rules, with their settings:

* an assignment still pending more than ACCEPT_WITHIN_WORKING_DAYS working days after it was
  made: the department's liaisons and heads, once;
* each of DEADLINE_REMINDER_DAYS working days before the deadline: the lead's responsible
  person and the lead department's liaisons, once each (skipped when the deadline has passed:
  the overdue reminder takes over);
* overdue: the responsible person, the lead department's heads and the monitor, every working
  day while it stays overdue. A day the run missed is not made up later: the next day's reminder
  says the same thing with a larger number;
* overdue by more than ESCALATE_AFTER_WORKING_DAYS working days: escalated (``Issue.escalated_on``,
  an "escalated" timeline entry, the chair's attention list) and a notice to the lead
  department's heads, once per deadline;
* no timeline entry for STALE_AFTER_WORKING_DAYS working days on an issue being handled: the
  monitor, again every STALE_AFTER_WORKING_DAYS working days while it stays quiet;
* a weekly supervision digest to each monitor and department head, keyed by the first working
  day of the week (so a week whose Monday is a holiday gets it on its first working day);
* an enterprise with no service visit within its visit interval: its designated official, again
  every interval while no visit is recorded;
* meetings, to commerce staff: intake closing in INTAKE_CLOSING_REMINDER_WORKING_DAYS working
  days, the meeting on the next working day, minutes unpublished MINUTES_DUE_WORKING_DAYS
  working days after the meeting, and QUARTER_END_WARNING_WORKING_DAYS working days before a
  quarter ends with no roundtable meeting in it.

The rules belong to the apps whose data they read (``issues/reminder_rules.py``,
``roundtable/meetings/reminder_rules.py``) and join the registry in ``roundtable/lib/reminders.py``;
this module runs them. Escalation is issues' own (``issues/escalation.py``).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.cache import cache
from django.utils import timezone

from departments.models import Department, DepartmentMembership
from issues import events as issue_events
from issues.escalation import escalation_cutoff, issues_escalate
from roundtable.accounts.models import Role, User
from roundtable.lib import reminders as registry
from roundtable.lib.i18n import BilingualName
from roundtable.lib.reminders import ReminderKind, ReminderSpec, setting
from roundtable.meetings.reminder_rules import quarter_bounds
from roundtable.notifications import delivery
from roundtable.workdays import services as workdays
from roundtable.workdays.table import WorkdayTable, first_working_day_of_week

logger = logging.getLogger(__name__)

__all__ = [
    "People",
    "ReminderKind",
    "ReminderSpec",
    "RunReport",
    "WorkdayTable",
    "escalation_cutoff",
    "first_working_day_of_week",
    "issues_escalate",
    "quarter_bounds",
    "reminders_catch_up",
    "reminders_due",
    "reminders_run",
]


class People:
    """Who holds which seat today: three small queries shared by every rule."""

    def __init__(self, today: date):
        self.active = set(User.objects.filter(is_active=True).values_list("pk", flat=True))
        self.liaisons: dict[int, list[int]] = defaultdict(list)
        self.heads: dict[int, list[int]] = defaultdict(list)
        for dept_id, user_id, role in (
            DepartmentMembership.objects.current(on=today)
            .order_by("department_id", "role", "user_id")
            .values_list("department_id", "user_id", "role")
        ):
            seats = self.heads if role == DepartmentMembership.Role.HEAD else self.liaisons
            if user_id not in seats[dept_id]:
                seats[dept_id].append(user_id)
        self.staff = list(
            User.objects.filter(groups__name=Role.COMMERCE_STAFF, is_active=True)
            .order_by("pk")
            .values_list("pk", flat=True)
            .distinct()
        )
        self.departments = {
            pk: BilingualName(zh, en)
            for pk, zh, en in Department.objects.values_list("pk", "name_zh", "name_en")
        }


def reminders_due(*, today: date) -> list[ReminderSpec]:
    """Every reminder due on ``today``, one per key, for active recipients; none on a day
    that is not a working day. Reads only: about fifteen queries whatever the number of issues
    (plus one per calendar year not yet cached). Keys already in the log are filtered out by
    the claim, not here."""
    if not workdays.is_working_day(today):
        return []
    table = WorkdayTable(today - timedelta(days=400), today + timedelta(days=400))
    people = People(today)
    specs: dict[tuple, ReminderSpec] = {}
    for rule in registry.rules():
        for spec in rule(today, table, people):
            if spec.recipient_id in people.active and spec.due_on <= today:
                specs.setdefault(spec.key, spec)
    return list(specs.values())


@dataclass
class RunReport:
    day: date
    skipped: str = ""
    escalated: int = 0
    due: int = 0
    specs: list[ReminderSpec] = field(default_factory=list)
    delivery: object = None

    def summary(self) -> str:
        if self.skipped:
            return f"{self.day}: nothing sent ({self.skipped})"
        parts = [f"{self.day}: {self.due} due", f"{self.escalated} escalated"]
        if self.delivery is not None:
            parts.append(self.delivery.summary())
        return ", ".join(parts)


def _done_key(day: date) -> str:
    # Named after the database too: two sites (or test runs) may share one Redis cache.
    from django.db import connection

    return f"reminders:done:{connection.settings_dict['NAME']}:{day.isoformat()}"


def reminders_run(
    *, now: datetime | None = None, day: date | None = None, dry_run: bool = False
) -> RunReport:
    """The daily run: escalate, work out what is due, claim it and send it.

    Without ``day`` it is the scheduled run at ``now``: nothing happens on a day that is not
    a working day or before REMINDER_HOUR. With ``day`` (the management command's --date, the
    task's argument) it runs for that day whatever the hour, and still never on a day off.
    ``dry_run`` only computes what is due: no escalation, no log rows, no e-mail."""
    now = now or timezone.now()
    today = day or timezone.localdate(now)
    report = RunReport(day=today)
    if not workdays.is_working_day(today):
        report.skipped = "not a working day"
        return report
    if day is None and timezone.localtime(now).hour < setting("REMINDER_HOUR"):
        report.skipped = f"before {setting('REMINDER_HOUR'):02d}:00"
        return report
    if dry_run:
        report.specs = reminders_due(today=today)
        report.due = len(report.specs)
        return report
    report.escalated = len(issues_escalate(today=today))
    # Outbound webhooks (roundtable.webhooks): each overdue deadline, once.
    issue_events.issues_overdue_announce(today=today)
    specs = reminders_due(today=today)
    report.due = len(specs)
    rows = delivery.reminders_claim(specs=specs, now=now)
    report.delivery = delivery.reminders_deliver(rows=rows, now=now)
    if day is None or day == timezone.localdate(now):
        _remember_done(today)
    logger.info("reminder run %s", report.summary())
    return report


def _remember_done(day: date) -> None:
    try:
        cache.set(_done_key(day), True, 36 * 3600)
    except Exception:  # the cache only saves work; the run itself is idempotent
        logger.warning("could not record the reminder run in the cache", exc_info=True)


def reminders_catch_up(*, now: datetime | None = None) -> RunReport | None:
    """Run today's reminders if today's run has not happened yet (beat or the worker was down
    at REMINDER_HOUR). Called every minute; costs one cache read once the day's run is done,
    and when the cache has forgotten (a restart), one more run that finds nothing new."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    hour = setting("REMINDER_HOUR")
    if not workdays.is_working_day(today) or timezone.localtime(now).hour < hour:
        return None
    try:
        if cache.get(_done_key(today)):
            return None
    except Exception:
        logger.warning("cache unavailable; running the reminder catch-up anyway", exc_info=True)
    return reminders_run(now=now)
