"""An issue's change history as readable differences: who, when, which field, from what to
what. Built from django-simple-history's records of the issue and its assignments."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from issues.models import Issue

HIDDEN_FIELDS = {"version", "updated_at", "year", "sequence", "reference", "created_at"}

# The services store a short English code as the change reason; people read it translated.
REASONS = {
    "logged": pgettext_lazy("history", "logged"),
    "assigned": pgettext_lazy("history", "assigned"),
    "reassigned away": pgettext_lazy("history", "reassigned to another department"),
    "responsible person set": pgettext_lazy("history", "responsible person set"),
    "accepted": pgettext_lazy("history", "accepted"),
    "returned": pgettext_lazy("history", "returned"),
    "progress": pgettext_lazy("history", "progress posted"),
    "extension requested": pgettext_lazy("history", "extension requested"),
    "extension granted": pgettext_lazy("history", "extension granted"),
    "extension refused": pgettext_lazy("history", "extension refused"),
    "conclusion reported": pgettext_lazy("history", "conclusion reported"),
    "closed": pgettext_lazy("history", "verified and closed"),
    "reopened": pgettext_lazy("history", "reopened"),
    "instruction": pgettext_lazy("history", "instruction added"),
    "escalated": pgettext_lazy("history", "escalated"),
    "added to special study": pgettext_lazy("history", "added to a special study"),
    "removed from special study": pgettext_lazy("history", "removed from a special study"),
}


CALENDAR_PUBLISHED = "calendar published: "


def reason_label(code: str) -> str:
    if code.startswith("edited"):
        return str(pgettext_lazy("history", "edited"))
    if code.startswith(CALENDAR_PUBLISHED):
        return str(
            pgettext_lazy("history", "deadline counted again: calendar for %(years)s published")
        ) % {"years": code.removeprefix(CALENDAR_PUBLISHED)}
    return str(REASONS.get(code, code))


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class Entry:
    at: datetime
    user: object
    what: str
    reason: str
    changes: list[Change] = field(default_factory=list)


def _display(model, field_name, value, cache):
    if value in (None, ""):
        return "—"
    f = model._meta.get_field(field_name)
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(f, models.ForeignKey):
        key = (f.related_model, value)
        if key not in cache:
            cache[key] = str(f.related_model._default_manager.filter(pk=value).first() or value)
        return cache[key]
    if isinstance(f, models.BooleanField):
        return "✓" if value else "✗"
    if isinstance(value, datetime):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    return str(value)


def _m2m_names(model, field_name, rows, cache) -> str:
    related = model._meta.get_field(field_name).related_model
    target = related._meta.model_name
    names = []
    for row in rows:
        pk = row.get(target) if isinstance(row, dict) else row
        key = (related, pk)
        if key not in cache:
            cache[key] = str(related._default_manager.filter(pk=pk).first() or pk)
        names.append(cache[key])
    return ", ".join(names) or "—"


def _entries(records, model, what, cache):
    entries = []
    previous = None
    for record in records:
        changes = []
        if previous is not None:
            delta = record.diff_against(previous)
            for change in delta.changes:
                if change.field in HIDDEN_FIELDS:
                    continue
                try:
                    label = str(model._meta.get_field(change.field).verbose_name)
                except Exception:  # noqa: BLE001 - m2m and removed fields: show the raw name
                    label = change.field
                if isinstance(change.new, list):  # many-to-many: rows of the through table
                    old = _m2m_names(model, change.field, change.old, cache)
                    new = _m2m_names(model, change.field, change.new, cache)
                else:
                    old = _display(model, change.field, change.old, cache)
                    new = _display(model, change.field, change.new, cache)
                changes.append(Change(label, old, new))
        if previous is None or changes:
            entries.append(
                Entry(
                    at=record.history_date,
                    user=record.history_user,
                    what=what(record),
                    reason=reason_label(record.history_change_reason or ""),
                    changes=changes,
                )
            )
        previous = record
    return entries


def issue_changes(issue: Issue) -> list[Entry]:
    cache = {}
    entries = _entries(
        issue.history.select_related("history_user").order_by("history_date", "history_id"),
        Issue,
        lambda r: str(Issue._meta.verbose_name),
        cache,
    )
    from issues.models import Assignment

    by_assignment = {}
    for record in (
        Assignment.history.filter(issue_id=issue.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    ):
        by_assignment.setdefault(record.id, []).append(record)
    for records in by_assignment.values():
        entries += _entries(
            records,
            Assignment,
            lambda r: (
                f"{Assignment._meta.verbose_name}: "
                f"{_display(Assignment, 'department', r.department_id, cache)}"
            ),
            cache,
        )
    return sorted(entries, key=lambda e: e.at, reverse=True)
