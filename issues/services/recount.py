"""Deadlines counted again after an edit of the working-day calendar."""

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from issues import access, selectors
from issues.history import CALENDAR_PUBLISHED
from issues.models import (
    ActionUpdate,
    Issue,
)
from issues.services.base import (
    TransitionRefused,
    _department_people,
    _notify,
    _save,
    _set_deadline,
    _timeline,
)
from roundtable.accounts.models import User
from roundtable.lib import phrases
from roundtable.workdays import services as workdays


def _years_text(years: list[int]) -> str:
    return ", ".join(str(year) for year in years)


def _recount_reason(recount: selectors.DeadlineRecount) -> phrases.Phrase:
    """The timeline's words, worded for each reader (lib/phrases.py)."""
    old, new = recount.old, recount.new
    return phrases.Phrase(
        "timeline.recounted" if recount.changed else "timeline.recount_unchanged",
        old=old.day.isoformat(),
        new=new.day.isoformat(),
        n=old.working_days,
        start=old.counted_from.isoformat(),
        years=_years_text(recount.years),
    )


def issue_deadlines_recompute(
    *, actor: User, calendar_version: int | None = None, issue_ids: Iterable[int] | None = None
) -> list[selectors.DeadlineRecount]:
    """Count again, with the calendar as it is now, the provisional deadlines of open issues
    (of ``issue_ids``, all by default) whose years are all published: each issue locked, its
    deadline set from its N and first day, its version bumped, a history row and a timeline
    entry naming the calendar year published. A deadline that comes out the same loses its
    mark the same way, never silently; one still crossing an unpublished year is left as it
    is. The lead department is told when the date moves.

    ``calendar_version`` is the one the caller's list of old and new dates was computed
    with: when the calendar changed since, nothing is saved (``TransitionRefused``), so that
    no date is set that the user did not see. Returns the recounts made."""
    access.check(access.can_set_deadlines(actor))
    with transaction.atomic():
        if calendar_version is not None and calendar_version != workdays.calendar_version():
            raise TransitionRefused(
                _(
                    "The working-day calendar changed while this page was open. Check the "
                    "new dates below and count them again."
                )
            )
        issues = Issue.objects.select_for_update(of=("self",))
        if issue_ids is not None:
            issues = issues.filter(pk__in=list(issue_ids))
        done = selectors.provisional_deadlines(issues).settled
        for recount in done:
            issue = recount.issue
            _set_deadline(issue, recount.new)
            _save(issue, actor, CALENDAR_PUBLISHED + _years_text(recount.years))
            _timeline(
                issue, actor, ActionUpdate.Kind.DEADLINE_RECOUNTED, phrase=_recount_reason(recount)
            )
            if recount.changed and issue.lead_department_id:
                _notify(
                    _department_people([issue.lead_department_id]),
                    issue=issue,
                    title="deadline_recounted",
                    params={"day": recount.new.day.isoformat()},
                    reason="deadline_recounted",
                    actor=actor,
                )
    return done
