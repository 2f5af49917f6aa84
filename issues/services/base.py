"""What every step of the lifecycle shares: the refusals, the locked read, the save with its
history reason, the timeline entry, the notices."""

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import translation

from departments.models import DepartmentMembership
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
    return Issue.objects.select_for_update().get(pk=issue.pk)


def _save(issue: Issue, actor: User, reason: str, fields: list[str] | None = None) -> None:
    issue._history_user = actor
    issue._change_reason = reason[:100]
    # The row is locked (select_for_update) by every caller, so a plain increment is safe.
    issue.version += 1
    issue.save(update_fields=None if fields is None else [*fields, "version", "updated_at"])
    transaction.on_commit(ledger_version.bump)


def _save_assignment(assignment: Assignment, actor: User, reason: str) -> None:
    assignment._history_user = actor
    assignment._change_reason = reason[:100]
    assignment.save()


def _timeline(
    issue, actor, kind, *, body="", old_status="", assignment=None, extension=None, phrase=None
):
    """A timeline entry. The system's own words come as a ``phrase`` (lib/phrases.py), worded
    for each reader; ``body`` then keeps them in the site's language."""
    if phrase is not None and not body:
        with translation.override(settings.LANGUAGE_CODE):
            body = str(phrase)
    return ActionUpdate.objects.create(
        issue=issue,
        author=actor,
        kind=kind,
        body=body,
        body_phrase=phrases.data_of(phrase),
        old_status=old_status,
        new_status=issue.status if old_status else "",
        assignment=assignment,
        department=assignment.department if assignment else None,
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
