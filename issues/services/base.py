"""What every step of the lifecycle shares: the refusals, the locked read, the save with its
history reason, the timeline entry, the notices."""

from collections.abc import Iterable
from contextlib import contextmanager

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from departments.models import DepartmentMembership
from issues.kpi_selectors import touched, touched_by_assignment
from issues.models import (
    ActionUpdate,
    Assignment,
    Issue,
)
from roundtable.accounts.models import User
from roundtable.lib import ledger_version, notices, phrases
from roundtable.workdays.services import Deadline

Status = Issue.Status


class TransitionRefused(Exception):
    """The issue's state does not allow this step. ``str(exc)`` is shown to the user."""


class StaleVersion(Exception):
    """Someone else changed the issue since the form was opened."""

    def __init__(self, current: Issue):
        super().__init__("stale")
        self.current = current


def _locked(issue: Issue) -> Issue:
    current = Issue.objects.select_for_update().get(pk=issue.pk)
    # What the dashboard's figures counted it by before the change (``_figures_changed``).
    current._touched_before = touched(current)
    return current


def _figures_changed(issue: Issue) -> None:
    """The one call that tells the dashboard's cache what a change of ``issue`` can change:
    its days and departments before (as ``_locked`` read them) and after, and whether its
    facts changed or only its timeline grew."""
    after = touched(issue)
    before = getattr(issue, "_touched_before", None)
    if before is None:
        ledger_version.changed(after.days, after.departments)
        return
    ledger_version.changed(
        [*before.days, *after.days],
        [*before.departments, *after.departments],
        facts=before.facts != after.facts,
    )


def _with_reason(obj, actor: User, reason: str):
    """Name the actor and the reason in the history row that saving ``obj`` writes (saved one
    at a time, or written in bulk with ``_write_history``)."""
    obj._history_user = actor
    obj._change_reason = reason[:100]
    return obj


def check_version(current: Issue, expected_version: int) -> None:
    """The one test of "someone else changed it since you read it": ``current`` is the locked
    row, ``expected_version`` the version the user (a form, an API client's If-Match) saw."""
    if current.version != expected_version:
        raise StaleVersion(current)


@contextmanager
def at_version(issue: Issue, expected_version: int):
    """Hold ``issue`` locked at ``expected_version`` for the steps run inside, in one
    transaction: a step (which locks the row again, at no cost) cannot follow a change the
    caller has not seen. Raises ``StaleVersion`` when the version moved on."""
    with transaction.atomic():
        current = _locked(issue)
        check_version(current, expected_version)
        yield current


def _save(issue: Issue, actor: User, reason: str, fields: list[str] | None = None) -> None:
    _with_reason(issue, actor, reason)
    # The row is locked (select_for_update) by every caller, so a plain increment is safe.
    issue.version += 1
    issue.save(update_fields=None if fields is None else [*fields, "version", "updated_at"])
    _figures_changed(issue)


def _write_history(model, changes) -> list:
    """The history rows of objects just written in bulk, in one insert: ``changes`` holds
    ``(object, history_type)`` pairs ("+" created, "~" changed), each object carrying its
    actor and reason (``_with_reason``). What simple_history's ``bulk_*_with_history`` write,
    but for creations and changes together."""
    history = model.history.model
    now = timezone.now()
    return history.objects.bulk_create(
        [
            history(
                history_date=now,
                history_user=obj._history_user,
                history_change_reason=obj._change_reason,
                history_type=history_type,
                **{f.attname: getattr(obj, f.attname) for f in history.tracked_fields},
            )
            for obj, history_type in changes
        ]
    )


def _insert_new(issue: Issue, others: list, *, logged: Issue | None = None) -> None:
    """Insert a new issue, the other enterprises it concerns, and its history rows naming
    them, in four statements however many they are. (Saved the usual way, the enterprises
    would be added after the row, with a second history row for them, and simple_history
    would read them back for each.) ``logged``: the issue as it was logged, when it changed
    again before it was written (assigned at once): its row is written as it stands now,
    with the history rows of both states."""
    if logged is not None:
        issue.version = logged.version + 1  # each change a version, as ``_save`` counts
    issue.skip_history_when_saving = True
    try:
        issue.save(force_insert=True)
    finally:
        del issue.skip_history_when_saving
    through = Issue.other_enterprises.through
    rows = through.objects.bulk_create(
        [through(issue=issue, enterprise_id=pk) for pk in dict.fromkeys(e.pk for e in others)]
    )
    states = [(issue, "+")]
    if logged is not None:
        # What the insert filled in, the first state shares.
        logged.pk, logged.updated_at = issue.pk, issue.updated_at
        states = [(logged, "+"), (issue, "~")]
    records = _write_history(Issue, states)
    snapshot = apps.get_model("issues", "HistoricalIssue_other_enterprises")
    snapshot.objects.bulk_create(
        [
            snapshot(history=record, id=row.pk, issue_id=issue.pk, enterprise_id=row.enterprise_id)
            for record in records
            for row in rows
        ]
    )


def _save_assignment(assignment: Assignment, actor: User, reason: str) -> None:
    _with_reason(assignment, actor, reason).save()
    _assignments_changed([assignment])


def _assignments_changed(assignments) -> None:
    """Tell the dashboard's cache that ``assignments`` were written (one at a time or in
    bulk): the response figures count each by its day and department (the issue's own save,
    which follows, tells the rest)."""
    touches = [touched_by_assignment(a) for a in assignments]
    if touches:
        ledger_version.changed(
            [day for t in touches for day in t.days],
            [pk for t in touches for pk in t.departments],
        )


def _timeline(issue, actor, kind, **details):
    """A timeline entry, written (``_timeline_entry`` says what it holds)."""
    entry = _timeline_entry(issue, actor, kind, **details)
    entry.save(force_insert=True)
    return entry


def _timeline_entry(
    issue, actor, kind, *, body="", old_status="", assignment=None, extension=None, phrase=None
):
    """A timeline entry, not yet written. The system's own words come as a ``phrase``
    (lib/phrases.py), worded for each reader; ``body`` then keeps them in the site's
    language."""
    if phrase is not None and not body:
        with translation.override(settings.LANGUAGE_CODE):
            body = str(phrase)
    return ActionUpdate(
        issue=issue,
        author=actor,
        kind=kind,
        body=body,
        body_phrase=phrases.data_of(phrase),
        old_status=old_status,
        new_status=issue.status if old_status else "",
        assignment=assignment,
        department_id=assignment.department_id if assignment else None,
        extension=extension,
    )


def _notify(
    users: Iterable[User], *, issue: Issue, title: str, reason: str, actor: User, params=None
) -> None:
    """In-app notices, written in the same transaction as the change they announce.

    ``title`` and ``reason`` name phrases (``notice.<title>`` and ``why.<reason>`` in
    lib/phrases.py) with ``params``: stored as such and worded for each reader when read
    (the page's language, the recipient's in an e-mail). ``title``/``reason`` keep the words
    in the recipient's language of the moment, for searching."""
    recipients = {u.pk: u for u in users if u is not None and u.pk != actor.pk and u.is_active}
    what = phrases.Phrase(f"notice.{title}", **(params or {}))
    title_phrase = phrases.Phrase("notice.title", reference=issue.reference, what=what)
    reason_phrase = phrases.Phrase(f"why.{reason}")
    written = []
    for user in recipients.values():
        with translation.override(user.preferred_language or None):
            written.append(
                notices.Notice(
                    recipient_id=user.pk,
                    issue_id=issue.pk,
                    title=str(title_phrase)[:300],
                    reason=str(reason_phrase)[:300],
                    url=f"/issues/{issue.pk}/",
                    title_phrase=title_phrase.data,
                    reason_phrase=reason_phrase.data,
                )
            )
    notices.write(written)


def _department_people(department_ids, *, roles=("liaison", "head")):
    return User.objects.filter(
        pk__in=DepartmentMembership.objects.current()
        .filter(department_id__in=department_ids, role__in=roles)
        .values("user_id"),
        is_active=True,
    )


def _staff_people():
    return User.objects.filter(groups__name="commerce_staff", is_active=True)


def _clean_text(text: str) -> str:
    return (text or "").strip()


def _set_deadline(issue: Issue, deadline: Deadline) -> None:
    """The deadline and how it was given: N working days and the day counted from, marked
    provisional when the count crossed a year not yet published; a date clears all three,
    so that no mark outlives the deadline it was about."""
    issue.deadline = deadline.day
    issue.deadline_working_days = deadline.working_days
    issue.deadline_counted_from = deadline.counted_from
    issue.deadline_provisional = deadline.provisional
