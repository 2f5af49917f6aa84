"""Meetings' reminder rules (see ``roundtable/lib/reminders.py``), to commerce staff: intake
closing, the meeting on the next working day, minutes unpublished, a quarter ending with no
roundtable meeting; and to an enterprise's designated official, a service visit due (visits are
meetings). The settings they follow are described in ``roundtable/notifications/reminders.py``.

``roundtable.notifications`` imports this module when it starts, which registers the rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.db.models import Count, Max, Q
from django.utils import timezone

from roundtable.enterprises.models import Enterprise
from roundtable.lib.periods import quarter_bounds
from roundtable.lib.phrases import Phrase
from roundtable.lib.reminders import ReminderKind, ReminderSpec, day_start, register, setting, spec
from roundtable.meetings.models import Meeting, Roundtable

NOT_CANCELLED = [s for s in Meeting.Status.values if s != Meeting.Status.CANCELLED]


def _visits(today, table, people) -> Iterable[ReminderSpec]:
    visit = Q(
        meeting_participations__meeting__kind__in=[
            Meeting.Kind.ONE_ON_ONE,
            Meeting.Kind.ONE_ON_SEVERAL,
        ],
        meeting_participations__meeting__status__in=NOT_CANCELLED,
        meeting_participations__meeting__starts_at__lt=day_start(today + timedelta(days=1)),
    )
    rows = (
        Enterprise.objects.filter(
            is_active=True, designated_official__isnull=False, visit_interval_days__gt=0
        )
        .annotate(last_visit=Max("meeting_participations__meeting__starts_at", filter=visit))
        .values_list(
            "pk", "designated_official_id", "visit_interval_days", "last_visit", "created_at"
        )
    )
    for pk, official_id, interval, last_visit, created_at in rows:
        base = timezone.localdate(last_visit or created_at)
        periods = (today - base).days // interval
        if periods < 1:
            continue
        yield spec(
            ReminderKind.VISIT,
            f"enterprise:{pk}",
            official_id,
            base + timedelta(days=interval * periods),
            Phrase("why.visit.official", days=interval),
        )


def _meetings(today, table, people) -> Iterable[ReminderSpec]:
    if not people.staff:
        return
    open_statuses = [Meeting.Status.PLANNED, Meeting.Status.INTAKE_OPEN]
    minutes_kinds = [
        Meeting.Kind.QUARTERLY_ROUNDTABLE,
        Meeting.Kind.ON_SPOT,
        Meeting.Kind.INDUSTRY_EXCHANGE,
    ]
    ahead = today + timedelta(days=31)
    rows = (
        Meeting.objects.exclude(status=Meeting.Status.CANCELLED)
        .filter(
            Q(status__in=open_statuses, intake_closes_on__gte=today, intake_closes_on__lte=ahead)
            | Q(
                status__in=open_statuses,
                starts_at__gte=day_start(today + timedelta(days=1)),
                starts_at__lt=day_start(ahead),
            )
            | Q(
                kind__in=minutes_kinds,
                minutes_published_at__isnull=True,
                starts_at__lt=day_start(today),
            )
            & ~Q(status=Meeting.Status.MINUTES_PUBLISHED)
        )
        .values_list(
            "pk", "kind", "status", "starts_at", "intake_closes_on", "minutes_published_at"
        )
    )
    intake_days = setting("INTAKE_CLOSING_REMINDER_WORKING_DAYS")
    minutes_days = setting("MINUTES_DUE_WORKING_DAYS")
    for pk, kind, status, starts_at, closes_on, published_at in rows:
        day = timezone.localdate(starts_at)
        subject = f"meeting:{pk}"
        found = []
        if status in open_statuses and closes_on and closes_on >= today:
            due = table.add(closes_on, -intake_days)
            if due <= today:
                found.append((ReminderKind.INTAKE, due, Phrase("why.intake.staff")))
        if status in open_statuses and day > today:
            due = table.add(day, -1)
            if due <= today:
                found.append(
                    (
                        ReminderKind.MEETING,
                        due,
                        Phrase("why.meeting.staff"),
                    )
                )
        if kind in minutes_kinds and published_at is None and day < today:
            due = table.add(day, minutes_days)
            if due <= today and status != Meeting.Status.MINUTES_PUBLISHED:
                found.append(
                    (
                        ReminderKind.MINUTES,
                        due,
                        Phrase("why.minutes.staff", days=minutes_days),
                    )
                )
        for kind_, due, reason in found:
            for user_id in people.staff:
                yield spec(kind_, subject, user_id, due, reason, meeting_id=pk)

    start, end, quarter = quarter_bounds(today)
    due = table.add(end, -setting("QUARTER_END_WARNING_WORKING_DAYS"))
    if not due <= today <= end:
        return
    in_quarter = Q(
        meetings__kind=Meeting.Kind.QUARTERLY_ROUNDTABLE,
        meetings__status__in=NOT_CANCELLED,
        meetings__starts_at__gte=day_start(start),
        meetings__starts_at__lt=day_start(end + timedelta(days=1)),
    )
    roundtables = (
        Roundtable.objects.filter(cadence=Roundtable.Cadence.QUARTERLY)
        .annotate(held=Count("meetings", filter=in_quarter))
        .filter(held=0)
        .values_list("pk", flat=True)
    )
    for pk in roundtables:
        for user_id in people.staff:
            yield spec(
                ReminderKind.QUARTER,
                f"roundtable:{pk}:{today.year}Q{quarter}",
                user_id,
                due,
                Phrase("why.quarter.staff", end=end.isoformat()),
            )


register(_visits, order=50)
register(_meetings, order=60)
