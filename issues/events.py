"""Domain events of the ledger, for the apps above it that tell other systems (the outbound
webhooks of ``roundtable.webhooks``): an issue created, assigned, concluded (its conclusion
reported), closed, or overdue.

Issues may not import those apps, so it announces on ``issue_event``, a Django signal they
connect to. The lifecycle's services announce a step when its transaction commits (a step that
is rolled back announces nothing); the daily reminder run announces the issues overdue that day
(``issues_overdue_announce``). Each occurrence carries its own event id: random for a step,
derived from the issue and its deadline for "overdue", so that announcing the same overdue
deadline every day, or twice a day, is the same occurrence.

The signal is sent with ``occurrences``, a list of ``Occurrence``; receivers must not raise
(the step is already committed).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from issues.models import Issue
from issues.querysets import overdue_on

logger = logging.getLogger(__name__)

CREATED = "issue.created"
ASSIGNED = "issue.assigned"
CONCLUDED = "issue.concluded"
CLOSED = "issue.closed"
OVERDUE = "issue.overdue"
EVENTS = (CREATED, ASSIGNED, CONCLUDED, CLOSED, OVERDUE)

# The namespace of the derived event ids (uuid5), fixed forever: changing it would announce
# every overdue deadline again.
_NAMESPACE = uuid.UUID("6f1d2a53-8f0e-4a8c-9d61-2b1f7e0c4a11")

issue_event = Signal()


@dataclass(frozen=True)
class Occurrence:
    event: str
    issue_id: int
    event_id: uuid.UUID = field(default_factory=uuid.uuid4)
    occurred_at: datetime = field(default_factory=timezone.now)
    # The issue's status when it happened ("" when not known): a receiver reads the state
    # the event left, even if the issue moved on before the event was delivered.
    status: str = ""


def _send(occurrences: list[Occurrence]) -> None:
    if not occurrences:
        return
    for receiver, result in issue_event.send_robust(sender=Occurrence, occurrences=occurrences):
        if isinstance(result, Exception):
            logger.error(
                "issue_event receiver %r failed", receiver, exc_info=(type(result), result, None)
            )


def announce(event: str, issue: Issue) -> None:
    """Announce one step of an issue when the current transaction commits."""
    occurrence = Occurrence(event=event, issue_id=issue.pk, status=issue.status)
    transaction.on_commit(lambda: _send([occurrence]))


def overdue_event_id(issue_id: int, deadline: date) -> uuid.UUID:
    """The one event id of an issue being overdue for a deadline."""
    return uuid.uuid5(_NAMESPACE, f"overdue:{issue_id}:{deadline.isoformat()}")


def issues_overdue_announce(*, today: date) -> int:
    """Announce every issue overdue on ``today`` (open, no conclusion reported, deadline
    passed), once per deadline: the same issue and deadline has the same event id every day,
    so receivers keep one occurrence of it. A new deadline (an extension granted) that passes
    is a new occurrence. Returns how many were announced. One query."""
    rows = (
        Issue.objects.filter(overdue_on(today))
        .order_by("pk")
        .values_list("pk", "deadline", "status")
    )
    now = timezone.now()
    occurrences = [
        Occurrence(OVERDUE, pk, overdue_event_id(pk, deadline), now, status)
        for pk, deadline, status in rows
    ]
    _send(occurrences)
    return len(occurrences)
