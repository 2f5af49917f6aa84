"""Reads that several pages share and that are more than a QuerySet filter."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext, ngettext

from issues import access
from issues.models import Issue
from roundtable.workdays import services as workdays


@dataclass
class DeadlineRecount:
    """A provisional deadline and what counting it again with today's calendar gives."""

    issue: Issue
    old: workdays.Deadline
    new: workdays.Deadline

    @property
    def changed(self) -> bool:
        return self.new.day != self.old.day

    @property
    def years(self) -> list[int]:
        """The years whose arrangement settles it: those its count runs into after the day
        it was counted from (that day's own year when it ends there)."""
        start = self.old.counted_from
        end = max(self.old.day, self.new.day)
        return list(range(start.year + 1, end.year + 1)) or [start.year]


@dataclass
class ProvisionalDeadlines:
    settled: list[DeadlineRecount]  # every year of the count is published now: recount them
    waiting: list[DeadlineRecount]  # still crossing a year not published


def stored_deadline(issue: Issue) -> workdays.Deadline:
    return workdays.Deadline(
        issue.deadline,
        issue.deadline_working_days,
        issue.deadline_counted_from,
        issue.deadline_provisional,
    )


def provisional_deadlines(issues=None) -> ProvisionalDeadlines:
    """Open issues (of ``issues``, all by default) whose deadline was counted across a year
    not published at the time, each with its old date and the one counting again gives now.
    Closed issues keep the facts they were closed with, the mark included; reopening one
    brings it back here. One query, over a few rows: the deadlines given in the weeks before
    a year's arrangement is published."""
    qs = (Issue.objects.all() if issues is None else issues).open()
    settled, waiting = [], []
    for issue in qs.filter(deadline_provisional=True).order_by("deadline", "pk"):
        old = stored_deadline(issue)
        if workdays.counts_provisionally(old.counted_from, old.day):
            # A year of its count is still not published: it waits, as it is, for that one.
            waiting.append(DeadlineRecount(issue, old, old))
            continue
        new = workdays.recount(old)
        (waiting if new.provisional else settled).append(DeadlineRecount(issue, old, new))
    return ProvisionalDeadlines(settled, waiting)


def calendar_follow_ups(user) -> list[workdays.FollowUp]:
    """Registered with the calendar (apps.py): after an edit, the provisional deadlines that
    can be counted again, with a link for those who may do it."""
    count = len(provisional_deadlines().settled)
    if not count:
        return []
    text = ngettext(
        "%(count)d open issue has a provisional deadline that can now be counted again with "
        "the published calendar.",
        "%(count)d open issues have provisional deadlines that can now be counted again "
        "with the published calendar.",
        count,
    ) % {"count": count}
    may = user is not None and access.can_set_deadlines(user)
    url = reverse("issues:provisional_deadlines") if may else ""
    return [workdays.FollowUp(text, gettext("Provisional deadlines"), url)]
