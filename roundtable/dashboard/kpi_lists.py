"""The dashboard's trend, breakdowns, lists of issues and links to the ledger, over the
same definitions as its figures (issues/kpi_selectors.py); kpis.py offers them with the
figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, Window

from issues.kpi_selectors import (
    ON_TIME,
    SATISFIED,
    concluded_in,
    escalated_now,
    instruction_pending,
    open_now,
    raised_in,
)
from issues.models import Assignment, Issue
from issues.querysets import OPEN_STATUSES, overdue_on
from roundtable.lib.periods import TREND_QUARTERS, Period, quarters_ending

Status = Issue.Status


# --- Trend, breakdowns, lists -------------------------------------------------------------


@dataclass
class QuarterTrend:
    period: Period
    raised: int = 0
    concluded: int = 0
    on_time: int = 0

    @property
    def on_time_rate(self) -> float | None:
        return None if not self.concluded else self.on_time / self.concluded


def trend(
    period: Period, count: int = TREND_QUARTERS, *, known: dict | None = None
) -> list[QuarterTrend]:
    """Raised, concluded and concluded on time per quarter, for the ``count`` quarters ending
    with ``period``'s. Quarters in ``known`` ({period: kpis.Figures}, already computed) are
    taken from there; the others come from two queries grouped by day, folded into quarters."""
    known = known or {}
    quarters = quarters_ending(period, count)
    result = [QuarterTrend(q) for q in quarters]
    for item in result:
        if item.period in known:
            f = known[item.period]
            item.raised, item.concluded, item.on_time = f.raised, f.concluded, f.on_time
    missing = [item for item in result if item.period not in known]
    if not missing:
        return result
    span = Period(missing[0].period.start, missing[-1].period.end)

    def slot(day: date) -> QuarterTrend | None:
        for item in missing:
            if item.period.contains(day):
                return item
        return None

    # COUNT(*) rather than COUNT(id): the index on the dates answers without the table.
    for day, n in (
        Issue.objects.filter(raised_in(span))
        .values_list("raised_on")
        .annotate(n=Count("*"))
        .order_by()
    ):
        item = slot(day)
        if item is not None:
            item.raised += n
    for day, n, on_time in (
        Issue.objects.filter(concluded_in(span))
        .values_list("concluded_on")
        .annotate(n=Count("*"), on_time=Count("concluded_on", filter=ON_TIME))
        .order_by()
    ):
        item = slot(day)
        if item is not None:
            item.concluded += n
            item.on_time += on_time
    return result


BREAKDOWN_FIELDS = ("raised", "open", "overdue", "closed")
BREAKDOWN_DIMENSIONS = ("category", "source", "meeting", "country", "industry")
BREAKDOWN_COLUMNS = {
    "category_id": "category",
    "source": "source",
    "meeting_id": "meeting",
    "enterprise__country": "country",
    "enterprise__industry": "industry",
}


def breakdowns(period: Period, today: date) -> dict[str, dict]:
    """Issues raised in ``period`` by category, source, meeting, the raising enterprise's
    country or region, and its industry: how many, how many still open, overdue now, closed.

    Two queries over the period's issues: one grouped by (category, source, meeting), one by
    the enterprise's (country, industry); each folded into its breakdowns. Issues without a
    meeting, and enterprises without an industry, are left out of those two breakdowns (the
    ledger cannot select "none")."""
    # raised_on, never null, rather than the id: the index issue_raised_on then serves alone.
    counts = {
        "raised": Count("raised_on"),
        "open": Count("raised_on", filter=open_now()),
        "overdue": Count("raised_on", filter=overdue_on(today)),
        "closed": Count("raised_on", filter=Q(status=Status.CLOSED)),
    }
    issues = Issue.objects.filter(raised_in(period))
    result: dict[str, dict] = {name: {} for name in BREAKDOWN_DIMENSIONS}
    for fields in (
        ("category_id", "source", "meeting_id"),
        ("enterprise__country", "enterprise__industry"),
    ):
        dimensions = [BREAKDOWN_COLUMNS[f] for f in fields]
        for *keys, raised, open_, overdue, closed in (
            issues.values_list(*fields).annotate(**counts).order_by()
        ):
            for dimension, key in zip(dimensions, keys, strict=True):
                if key in (None, ""):
                    continue
                bucket = result[dimension].get(key)
                if bucket is None:
                    bucket = result[dimension][key] = dict.fromkeys(BREAKDOWN_FIELDS, 0)
                bucket["raised"] += raised
                bucket["open"] += open_
                bucket["overdue"] += overdue
                bucket["closed"] += closed
    return result


def _listed(qs, order: list[str], department_id: int | None, limit: int):
    """The first ``limit`` issues of ``qs`` in ``order``, each carrying ``total``: how many
    there are in all (one query for both)."""
    if department_id is not None:
        qs = qs.for_department(department_id, role=Assignment.Role.LEAD)
    return qs.annotate(total=Window(Count("pk"))).order_by(*order)[:limit]


def oldest_overdue(today: date, *, department_id: int | None = None, limit: int = 10):
    return _listed(
        Issue.objects.filter(overdue_on(today)), ["deadline", "id"], department_id, limit
    )


def escalated(*, department_id: int | None = None, limit: int = 10):
    return _listed(
        Issue.objects.filter(escalated_now()), ["escalated_on", "id"], department_id, limit
    )


def with_instruction_pending(*, department_id: int | None = None, limit: int = 10):
    return _listed(
        Issue.objects.filter(instruction_pending()), ["deadline", "id"], department_id, limit
    )


# --- Links to the ledger ------------------------------------------------------------------

# KPI name → the ledger's query parameters selecting its issues (issues/filters.py).


def ledger_params(
    kpi: str, period: Period | None = None, *, department_id: int | None = None
) -> list[tuple[str, str]]:
    """Query parameters that make the ledger list exactly the issues behind ``kpi``."""
    p = period
    dates = {
        "raised": lambda: [("raised_from", p.start), ("raised_to", p.end)],
        "concluded": lambda: [("concluded_from", p.start), ("concluded_to", p.end)],
        "rated": lambda: [("rated_from", p.start), ("rated_to", p.end)],
        "reopened": lambda: [("reopened_from", p.start), ("reopened_to", p.end)],
        "assigned": lambda: [("assigned_from", p.start), ("assigned_to", p.end)],
    }
    open_statuses = [("status", s) for s in OPEN_STATUSES]
    params = {
        "raised": lambda: dates["raised"](),
        "resolved": lambda: [*dates["raised"](), ("status", Status.CLOSED)],
        "concluded": lambda: dates["concluded"](),
        "on_time": lambda: [*dates["concluded"](), ("on_time", "1")],
        "late": lambda: [*dates["concluded"](), ("on_time", "0")],
        "open": lambda: open_statuses,
        "overdue": lambda: [("overdue", "1")],
        "rated": lambda: dates["rated"](),
        "rated_by_enterprise": lambda: [*dates["rated"](), ("rated_by", "enterprise")],
        "rated_by_staff": lambda: [*dates["rated"](), ("rated_by", "staff")],
        "satisfied": lambda: [*dates["rated"](), *(("satisfaction", s) for s in SATISFIED)],
        "response_due": lambda: [*dates["assigned"](), ("response", "due")],
        "responded": lambda: [*dates["assigned"](), ("response", "in_time")],
        "reopened": lambda: dates["reopened"](),
        "escalated": lambda: [("escalated", "1")],
        "instruction_pending": lambda: [("instruction_pending", "1")],
    }[kpi]()
    if department_id is not None:
        params.append(("lead", department_id))
    return [(k, v.isoformat() if isinstance(v, date) else str(v)) for k, v in params]
