"""Logging and editing an issue."""

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from departments.models import Department
from issues import access, events
from issues.models import (
    ActionUpdate,
    Issue,
)
from issues.references import next_reference
from issues.services.assignment import _assign
from issues.services.base import (
    TransitionRefused,
    _figures_changed,
    _insert_new,
    _locked,
    _save,
    _timeline,
    _with_reason,
    check_version,
)
from roundtable.accounts.models import User
from roundtable.workdays.services import Deadline

EDITABLE_FIELDS = (
    "title",
    "description",
    "enterprise",
    "category",
    "source",
    "meeting",
    "raised_on",
    "priority",
    "follow_up_requirement",
    "monitor",
)


def issue_create(
    *,
    actor: User,
    title: str,
    enterprise,
    category,
    source: str,
    description: str = "",
    other_enterprises: Iterable = (),
    meeting=None,
    raised_on: date | None = None,
    priority: str = Issue.Priority.NORMAL,
    follow_up_requirement: str = "",
    monitor: User | None = None,
    lead_department: Department | None = None,
    co_departments: Iterable[Department] = (),
    deadline: date | Deadline | None = None,
    responsible_person: User | None = None,
) -> Issue:
    """Log an issue; with a lead department and a deadline it is assigned at once. A deadline
    in working days is a ``Deadline`` (``workdays.deadline_in_working_days``)."""
    access.check(access.can_edit(actor, None))
    raised_on = raised_on or timezone.localdate()
    # Inside a caller's transaction (the create form's, with its double-submit token), no
    # savepoint of its own: nothing here is caught and retried, a refusal undoes it all.
    with transaction.atomic(savepoint=False):
        sequence, reference = next_reference(raised_on.year)
        issue = Issue(
            reference=reference,
            year=raised_on.year,
            sequence=sequence,
            title=title.strip(),
            description=description,
            enterprise=enterprise,
            category=category,
            source=source,
            meeting=meeting,
            raised_on=raised_on,
            priority=priority,
            follow_up_requirement=follow_up_requirement,
            monitor=monitor,
            created_by=actor,
        )
        others = [e for e in other_enterprises if e != enterprise]
        _with_reason(issue, actor, "logged")
        if lead_department is None:
            _insert_new(issue, others)
            events.announce(events.CREATED, issue)
            _figures_changed(issue)
            _timeline(issue, actor, ActionUpdate.Kind.LOGGED)
            return issue
        if deadline is None:
            raise TransitionRefused(_("Give a deadline when assigning a lead department."))
        # Written once, already assigned: its row, both history rows and both timeline
        # entries (logged, then assigned) each in one statement.
        _assign(
            issue,
            actor=actor,
            lead_department=lead_department,
            co_departments=co_departments,
            deadline=deadline,
            responsible_person=responsible_person,
            new_with=others,
        )
    return issue


def issue_update(*, actor: User, issue: Issue, expected_version: int, **changes) -> Issue:
    """Edit an issue's facts. Raises ``StaleVersion`` (carrying the current issue) when it
    changed since ``expected_version`` was read, so the caller can show the new state and
    keep what the user typed."""
    access.check(access.can_edit(actor, issue))
    unknown = set(changes) - set(EDITABLE_FIELDS) - {"other_enterprises"}
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    with transaction.atomic():
        current = _locked(issue)
        check_editable(current)
        check_version(current, expected_version)
        others = changes.pop("other_enterprises", None)
        changed = [name for name, value in changes.items() if getattr(current, name) != value]
        for name in changed:
            setattr(current, name, changes[name])
        fields = list(changed)
        # The enterprises it also concerns count as an edit like any field: a new version, so
        # that a second editor's stale list cannot silently undo this one.
        wanted = None
        if others is not None:
            wanted = {e.pk for e in others} - {current.enterprise_id}
            if wanted != set(current.other_enterprises.values_list("pk", flat=True)):
                changed.append("other_enterprises")
            else:
                wanted = None
        if changed:
            _save(current, actor, "edited: " + ", ".join(changed), fields)
        if wanted is not None:
            current.other_enterprises.set(wanted)  # history rows carry the reason set above
    return current


def check_editable(issue: Issue) -> None:
    """A closed issue keeps the facts it was closed with; reopening it allows edits again."""
    if not issue.is_open:
        raise TransitionRefused(_("A closed issue cannot be edited; reopen it first."))
