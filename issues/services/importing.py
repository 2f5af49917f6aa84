"""An issue of an old ledger, imported (issues/imports/): logged and assigned as
``issue_create`` does it, then brought to the state the ledger records (in progress,
conclusion reported, closed with the enterprise's satisfaction), with a history row and a
timeline entry that say which file and row it came from."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.db import transaction
from django.utils import timezone

from issues import access
from issues.models import ActionUpdate, Assignment, Issue
from issues.services.base import (
    Status,
    _assignments_changed,
    _save,
    _timeline_entry,
    _with_reason,
    _write_history,
)
from issues.services.editing import issue_create
from roundtable.accounts.models import User
from roundtable.lib import phrases


@dataclass
class ImportedIssue:
    """One row of a ledger, as ``issues.imports.checking`` resolved it."""

    title: str
    enterprise: object
    category: object
    source: str
    raised_on: date
    description: str = ""
    lead_department: object = None
    co_departments: Iterable = field(default_factory=tuple)
    deadline: date | None = None
    progress: str = ""
    concluded: bool = False
    concluded_on: date | None = None
    satisfaction: str = ""


def issue_import(*, actor: User, row: ImportedIssue, file_name: str, row_number: int) -> Issue:
    """Create the issue ``row`` describes, without notices (the departments find imported
    issues in their ledger, not as thousands of notices). The caller checked the row
    (``issues.imports.checking``); a concluded row has a lead department."""
    access.check(access.can_edit(actor, None))
    with transaction.atomic(savepoint=False):
        issue = issue_create(
            actor=actor,
            title=row.title,
            description=row.description,
            enterprise=row.enterprise,
            category=row.category,
            source=row.source,
            raised_on=row.raised_on,
            lead_department=row.lead_department,
            co_departments=row.co_departments,
            deadline=row.deadline if row.lead_department is not None else None,
            notify=False,
        )
        imported = phrases.Phrase("timeline.imported", file=file_name, row=row_number)
        old_status = issue.status
        entries = []
        if row.lead_department is not None and (row.progress or row.concluded):
            entries += _handled(issue, actor, row)
        entries.append(
            _timeline_entry(
                issue,
                actor,
                ActionUpdate.Kind.STATUS_CHANGE,
                phrase=imported,
                old_status=old_status,
            )
        )
        reason = f"imported from {file_name}, row {row_number}"
        _save(issue, actor, reason[-100:] if len(reason) > 100 else reason)
        ActionUpdate.objects.bulk_create(entries)
    return issue


def _handled(issue: Issue, actor: User, row: ImportedIssue) -> list[ActionUpdate]:
    """Accept the assignments and set the status the ledger records; the timeline entries of
    the progress, the conclusion and the closing (not yet written)."""
    assignments = list(Assignment.objects.filter(issue=issue, is_current=True))
    now = timezone.now()
    dissatisfied = row.satisfaction == Issue.Satisfaction.DISSATISFIED
    lead_done = row.concluded and not dissatisfied
    for assignment in assignments:
        lead = assignment.role == Assignment.Role.LEAD
        assignment.status = (
            Assignment.Status.DONE if lead and lead_done else Assignment.Status.ACCEPTED
        )
        assignment.responded_at = now
        _with_reason(assignment, actor, "imported")
    Assignment.objects.bulk_update(assignments, ["status", "responded_at"])
    _write_history(Assignment, [(a, "~") for a in assignments])
    _assignments_changed(assignments)
    lead = next(a for a in assignments if a.role == Assignment.Role.LEAD)
    issue.status = Status.IN_PROGRESS
    entries = []
    if not row.concluded:
        entries.append(_timeline_entry(issue, actor, ActionUpdate.Kind.PROGRESS, body=row.progress))
        return entries
    issue.status = Status.CONCLUSION_REPORTED
    issue.resolution = row.progress
    issue.concluded_on = row.concluded_on
    entries.append(_timeline_entry(issue, actor, ActionUpdate.Kind.CONCLUSION, body=row.progress))
    entries[-1].assignment, entries[-1].department_id = lead, lead.department_id
    if dissatisfied:
        # As issue_close records it: the enterprise's answer reopens the issue.
        issue.status = Status.IN_PROGRESS
        issue.satisfaction = row.satisfaction
        issue.reopened_count = 1
        issue.concluded_on = None
    elif row.satisfaction:
        issue.status = Status.CLOSED
        issue.satisfaction = row.satisfaction
        closed_on = row.concluded_on or timezone.localdate()
        issue.closed_at = timezone.make_aware(datetime.combine(closed_on, time(18, 0)))
        entries.append(
            _timeline_entry(
                issue,
                actor,
                ActionUpdate.Kind.CLOSED,
                phrase=phrases.Phrase(
                    "timeline.closed", satisfaction=Issue.Satisfaction(row.satisfaction).label
                ),
            )
        )
    return entries
