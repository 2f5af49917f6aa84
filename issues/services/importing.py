"""Issues of an old ledger, imported (issues/imports/): created in batches, each issue in the
state the ledger records (logged; assigned to its lead and co-handling departments; in
progress; conclusion reported; closed with the enterprise's satisfaction, or reopened by a
dissatisfied one), with its assignments, history rows and timeline entries.

What a batch writes is what the lifecycle's steps would have left, the issue born in its
final state: ``issue_create`` and ``_assign`` (a reference from the year's counter, the lead
and co-handling assignments, the LOGGED and ASSIGNED entries), then what accepting,
reporting and closing record (the assignments accepted or done, the CONCLUSION and CLOSED
entries, ``issue_close``'s reopening for a dissatisfied enterprise). Each table is written
in one statement per batch, so 10,000 rows take seconds rather than the minutes that
100,000 single-row statements would. Differences from those steps, on purpose: no notices
(the departments find imported issues in their ledger, not as thousands of notices); one
history row per issue and assignment, "imported from <file>, row N", instead of one per step;
one more timeline entry that says so (phrase ``timeline.imported``)."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from issues import access
from issues.models import ActionUpdate, Assignment, Issue
from issues.references import next_references
from issues.services.base import Status, _timeline_entry, _with_reason, _write_history
from roundtable.accounts.models import User
from roundtable.lib import ledger_version, phrases
from roundtable.workdays import services as workdays

BATCH = 500


@dataclass
class ImportedIssue:
    """One row of a ledger, as ``issues.imports.checking`` resolved and checked it: a
    deadline with a lead department, a conclusion only with a lead and a resolution."""

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


def issues_import(
    *, actor: User, rows: list[tuple[int, ImportedIssue]], file_name: str, progress=None
) -> dict[int, Issue]:
    """Create an issue for each ``(row number, row)``, in the caller's transaction (or one of
    its own); the issues by row number. ``progress(done, total)`` after each batch."""
    access.check(access.can_edit(actor, None))
    created: dict[int, Issue] = {}
    with transaction.atomic():
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            created.update(_import_batch(actor, batch, file_name))
            if progress is not None:
                progress(start + len(batch), len(rows))
        # The figures count by many days and departments at once: recompute them all.
        transaction.on_commit(ledger_version.changed_everything)
    return created


def _import_batch(actor, batch, file_name) -> dict[int, Issue]:
    numbers = _references(row.raised_on.year for _n, row in batch)
    issues = []
    for number, row in batch:
        issue = _issue(actor, row, *numbers[row.raised_on.year].pop(0))
        reason = f"imported from {file_name}, row {number}"
        _with_reason(issue, actor, reason if len(reason) <= 100 else reason[-100:])
        issues.append(issue)
    Issue.objects.bulk_create(issues)  # their ids come back (PostgreSQL, SQLite)
    _write_history(Issue, [(issue, "+") for issue in issues])
    assignments = {}
    for issue, (_number, row) in zip(issues, batch, strict=True):
        assignments[issue.pk] = _assignments(actor, issue, row)
    everyone = [a for group in assignments.values() for a in group]
    Assignment.objects.bulk_create(everyone)
    _write_history(Assignment, [(a, "+") for a in everyone])
    entries = []
    for issue, (number, row) in zip(issues, batch, strict=True):
        entries += _entries(actor, issue, row, assignments[issue.pk], file_name, number)
    ActionUpdate.objects.bulk_create(entries)
    return {number: issue for issue, (number, _row) in zip(issues, batch, strict=True)}


def _references(years: Iterable[int]) -> dict[int, list[tuple[int, str]]]:
    wanted = defaultdict(int)
    for year in years:
        wanted[year] += 1
    return {year: next_references(year, count) for year, count in sorted(wanted.items())}


def _status(row: ImportedIssue) -> str:
    if row.lead_department is None:
        return Status.LOGGED
    if row.concluded and row.satisfaction == Issue.Satisfaction.DISSATISFIED:
        return Status.IN_PROGRESS  # reopened, as issue_close does it
    if row.concluded:
        return Status.CLOSED if row.satisfaction else Status.CONCLUSION_REPORTED
    return Status.IN_PROGRESS if row.progress else Status.ASSIGNED


def _issue(actor, row: ImportedIssue, sequence: int, reference: str) -> Issue:
    status = _status(row)
    issue = Issue(
        reference=reference,
        year=row.raised_on.year,
        sequence=sequence,
        title=row.title.strip(),
        description=row.description,
        enterprise=row.enterprise,
        category=row.category,
        source=row.source,
        raised_on=row.raised_on,
        created_by=actor,
        status=status,
    )
    if row.lead_department is not None:
        deadline = workdays.as_deadline(row.deadline)
        issue.deadline = issue.original_deadline = deadline.day
        issue.lead_department = row.lead_department
    if status in (Status.CONCLUSION_REPORTED, Status.CLOSED):
        issue.resolution = row.progress
        issue.concluded_on = row.concluded_on
    if row.concluded and row.satisfaction:
        issue.satisfaction = row.satisfaction
    if row.satisfaction == Issue.Satisfaction.DISSATISFIED and row.concluded:
        issue.resolution = row.progress
        issue.reopened_count = 1
    if status == Status.CLOSED:
        closed_on = row.concluded_on or timezone.localdate()
        issue.closed_at = timezone.make_aware(datetime.combine(closed_on, time(18, 0)))
    return issue


def _assignments(actor, issue: Issue, row: ImportedIssue) -> list[Assignment]:
    if row.lead_department is None:
        return []
    handled = issue.status != Status.ASSIGNED
    lead_done = issue.status in (Status.CONCLUSION_REPORTED, Status.CLOSED)
    responded = timezone.now() if handled else None
    lead = Assignment(
        issue=issue,
        department=row.lead_department,
        role=Assignment.Role.LEAD,
        status=(
            Assignment.Status.DONE
            if lead_done
            else Assignment.Status.ACCEPTED
            if handled
            else Assignment.Status.PENDING
        ),
        responded_at=responded,
    )
    others = [
        Assignment(
            issue=issue,
            department=department,
            role=Assignment.Role.CO_HANDLING,
            status=Assignment.Status.ACCEPTED if handled else Assignment.Status.PENDING,
            responded_at=responded,
        )
        for department in dict.fromkeys(row.co_departments)
        if department != row.lead_department
    ]
    return [_with_reason(a, actor, "imported") for a in (lead, *others)]


def _entries(actor, issue, row, assignments, file_name, number) -> list[ActionUpdate]:
    entries = [_timeline_entry(issue, actor, ActionUpdate.Kind.LOGGED)]
    if assignments:
        names = phrases.Phrase("timeline.assigned", departments=[a.department for a in assignments])
        entries.append(_timeline_entry(issue, actor, ActionUpdate.Kind.ASSIGNED, phrase=names))
    lead = assignments[0] if assignments else None
    if row.concluded and lead is not None:
        entry = _timeline_entry(issue, actor, ActionUpdate.Kind.CONCLUSION, body=row.progress)
        entry.assignment, entry.department_id = lead, lead.department_id
        entries.append(entry)
    elif row.progress and lead is not None:
        entries.append(_timeline_entry(issue, actor, ActionUpdate.Kind.PROGRESS, body=row.progress))
    if issue.status == Status.CLOSED:
        label = Issue.Satisfaction(issue.satisfaction).label
        phrase = phrases.Phrase("timeline.closed", satisfaction=label)
        entries.append(_timeline_entry(issue, actor, ActionUpdate.Kind.CLOSED, phrase=phrase))
    if issue.reopened_count:
        with translation.override(settings.LANGUAGE_CODE):
            reason = _("The enterprise is dissatisfied.")
        entries.append(_timeline_entry(issue, actor, ActionUpdate.Kind.REOPENED, body=reason))
    imported = phrases.Phrase("timeline.imported", file=file_name, row=number)
    entries.append(_timeline_entry(issue, actor, ActionUpdate.Kind.STATUS_CHANGE, phrase=imported))
    return entries
