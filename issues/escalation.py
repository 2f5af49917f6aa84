"""Escalation: an issue overdue by more than ESCALATE_AFTER_WORKING_DAYS working days goes on
the chairperson's attention list (``Issue.escalated_on``, an "escalated" timeline entry). The
daily reminder run (``roundtable/notifications/reminders.py``) escalates before it works out
what is due, and the escalated reminder rule (``issues/reminder_rules.py``) uses the same
cutoff."""

from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation

from issues.models import ActionUpdate, Issue
from issues.querysets import overdue_on
from roundtable.lib import ledger_version, phrases
from roundtable.lib.reminders import setting
from roundtable.workdays import services as workdays

logger = logging.getLogger(__name__)


def _escalated(limit: int, issue: Issue) -> phrases.Phrase:
    """The timeline's words (lib/phrases.py), worded for each reader."""
    return phrases.Phrase("timeline.escalated", days=limit, deadline=issue.deadline)


def escalation_cutoff(today: date, table=None) -> date:
    """Issues whose deadline is before this day are overdue by more than
    ESCALATE_AFTER_WORKING_DAYS working days on ``today`` (a working day)."""
    n = setting("ESCALATE_AFTER_WORKING_DAYS")
    return table.add(today, -n) if table else workdays.add_working_days(today, -n)


def issues_escalate(*, today: date) -> list[int]:
    """Escalate the issues overdue by more than ESCALATE_AFTER_WORKING_DAYS working days on
    ``today`` that are not yet escalated for their current deadline: set ``escalated_on``,
    add an "escalated" timeline entry and a history row (by the system, no user). Returns
    their ids. Idempotent: a second call on the same day finds nothing to do.

    Bulk writes in one transaction with the rows locked, so the cost does not grow per issue
    beyond the rows written. ``version`` is not bumped: escalation changes no field an editor
    can change, so an open edit form stays valid."""
    cutoff = escalation_cutoff(today)
    Status_ = Issue.Status
    with transaction.atomic():
        issues = list(
            Issue.objects.select_for_update()
            # Overdue on the cutoff day, and in a department's hands (assigned or in progress).
            .filter(overdue_on(cutoff), status__in=[Status_.ASSIGNED, Status_.IN_PROGRESS])
            .filter(Q(escalated_on__isnull=True) | Q(escalated_on__lte=F("deadline")))
            .order_by("pk")
        )
        if not issues:
            return []
        ids = [issue.pk for issue in issues]
        for start in range(0, len(ids), 1000):
            Issue.objects.filter(pk__in=ids[start : start + 1000]).update(escalated_on=today)
        # The chair's list of escalated issues, the district's and their departments'.
        ledger_version.changed(departments={issue.lead_department_id for issue in issues})
        limit = setting("ESCALATE_AFTER_WORKING_DAYS")
        now = timezone.now()
        with translation.override(settings.LANGUAGE_CODE):
            for issue in issues:
                issue.escalated_on = today
            Issue.history.bulk_history_create(
                issues, batch_size=1000, update=True, default_change_reason="escalated"
            )
            ActionUpdate.objects.bulk_create(
                [
                    ActionUpdate(
                        issue=issue,
                        kind=ActionUpdate.Kind.ESCALATED,
                        created_at=now,
                        body=str(words := _escalated(limit, issue)),
                        body_phrase=words.data,
                    )
                    for issue in issues
                ],
                batch_size=1000,
            )
    logger.info("escalated %d issues on %s", len(ids), today)
    return ids
