"""The weekly supervision digest's sections, built when the digest is sent."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.db.models import Count, Q
from django.utils import translation
from django.utils.http import urlencode

from departments.models import Department, DepartmentMembership
from issues.models import Issue
from issues.querysets import due_between, due_soon_until, overdue_on
from roundtable.lib.reminders import setting as _rule
from roundtable.notifications.links import absolute, path_to


def digest_sections(user, *, today: date, listed: Iterable[int] = ()) -> list[dict]:
    """The weekly digest's sections: the issues ``user`` monitors, and each department they
    head. Counts and the first ten of each list, with ledger links for the rest. Every
    section counts and lists only issues ``user`` may read when it is sent
    (``Issue.objects.visible_to``), in SQL: a query per section, not per issue.

    Each issue is listed once in the message: an issue already listed (``listed``: the
    message's other lines, then the sections before) is only counted as "listed above"."""
    soon = due_soon_until(today)
    week_ago = today - timedelta(days=7)
    ledger = path_to("issues:ledger", default="")
    readable = Issue.objects.visible_to(user)
    user_id = user.pk
    seen = set(listed)
    sections = []
    if readable.filter(monitor_id=user_id).exists():
        sections.append(
            _digest_section(
                translation.gettext("Issues you monitor"),
                readable.filter(monitor_id=user_id),
                {"monitor": user_id},
                today,
                soon,
                week_ago,
                ledger,
                seen,
            )
        )
    heads = (
        DepartmentMembership.objects.current(on=today)
        .heads()
        .filter(user_id=user_id)
        .values("department_id")
    )
    for dept in Department.objects.filter(pk__in=heads):  # the official order
        sections.append(
            _digest_section(
                dept.name,
                readable.for_department(dept.pk),
                {"department": dept.pk},
                today,
                soon,
                week_ago,
                ledger,
                seen,
            )
        )
    return sections


def _digest_section(title, qs, params, today, soon, week_ago, ledger, seen: set[int]) -> dict:
    """One section; adds the issues it lists to ``seen``."""
    Status = Issue.Status
    counts = qs.aggregate(
        open=Count("pk", filter=~Q(status=Status.CLOSED)),
        overdue=Count("pk", filter=overdue_on(today)),
        due_soon=Count("pk", filter=due_between(today, soon)),
        concluded=Count("pk", filter=Q(concluded_on__gte=week_ago)),
    )
    fields = ("pk", "reference", "title", "deadline", "concluded_on")

    above = {}

    def rows(name, queryset):
        above[name] = queryset.filter(pk__in=seen).count() if seen else 0
        return [
            {**values, "url": absolute(path_to("issues:detail", values["pk"]))}
            for values in queryset.exclude(pk__in=seen).values(*fields)[:10]
        ]

    def link(extra):
        if not ledger:
            return ""
        return absolute(f"{ledger}?{urlencode({**params, **extra})}")

    due_within = _rule("DUE_SOON_WORKING_DAYS")
    lists = {
        "overdue": rows("overdue", qs.overdue(on=today).order_by("deadline", "pk")),
        "due_soon": rows("due_soon", qs.due_between(today, soon).order_by("deadline", "pk")),
        "concluded": rows(
            "concluded", qs.filter(concluded_on__gte=week_ago).order_by("-concluded_on", "pk")
        ),
    }
    for listed in lists.values():
        seen.update(row["pk"] for row in listed)
    return {
        "title": title,
        "counts": counts,
        **lists,
        "above": above,
        # More than this message shows: the ledger link lists them all.
        "more": {name: counts[name] > len(listed) + above[name] for name, listed in lists.items()},
        "links": {
            "open": link({}),
            "overdue": link({"overdue": 1}),
            "due_soon": link({"due_within": due_within}),
            "concluded": link({"concluded_from": week_ago.isoformat()}),
        },
    }
