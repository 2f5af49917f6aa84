"""What the dashboards show, computed and cached in parts (roundtable/dashboard/cache.py):
a period's figures (the district's and each department's), what is true now (open and overdue
counts, the lists of overdue and escalated issues, the recurring problems), the instructions
awaiting an answer, the breakdowns and the trend. Each part names the cells of the ledger it
reads (roundtable/lib/ledger_version.py), so a change of an issue recomputes only the parts it
can change; reports.py turns the result into rows.

Cached entries hold numbers, ids and both names of everything (Chinese and English), never
text in one language, so one entry serves every reader.
"""

from __future__ import annotations

import hashlib
import pickle
from datetime import date

from django.utils import timezone

from departments.models import Department
from issues.models import Category
from roundtable.dashboard import cache, kpis, recurring
from roundtable.lib.ledger_version import figure_cells
from roundtable.meetings.models import Meeting
from roundtable.notices import selectors as notice_selectors

LIST_LENGTH = 10


def _departments() -> dict[int, dict]:
    return {
        d["pk"]: d
        for d in Department.objects.values("pk", "code", "name_zh", "name_en", "is_active")
    }


def _names(model, ids=None) -> dict[int, tuple[str, str]]:
    qs = model.objects.all() if ids is None else model.objects.filter(pk__in=ids)
    return {pk: (zh, en) for pk, zh, en in qs.values_list("pk", "name_zh", "name_en")}


def _issue_rows(qs) -> tuple[list[dict], int]:
    """The listed issues as plain values, and how many there are in all."""
    rows = list(
        qs.values(
            "pk",
            "reference",
            "title",
            "deadline",
            "escalated_on",
            "status",
            "enterprise__name_zh",
            "enterprise__name_en",
            "lead_department_id",
            "total",
        )
    )
    return rows, rows[0]["total"] if rows else 0


# --- The overview (chair's dashboard, quarterly report) -----------------------------------


def _stamped(value: dict) -> dict:
    # ``content``: a digest of what was computed, the same when a recomputation found the same.
    content = hashlib.sha1(pickle.dumps(value), usedforsecurity=False).hexdigest()
    return {**value, "computed_at": timezone.now(), "content": content}


def _period_part(period: kpis.Period, today: date, department_id: int | None = None):
    """A period's figures, without those of the present: every department's (``None``) or
    one department's. Read by the overview, the department page and the report. Periods of
    one scope missing from the cache together are counted in one pass (``_periods``)."""
    key = (period.start, period.end, today, department_id)
    return cache.Part(
        "period",
        key,
        lambda: _periods([key])[0],
        figure_cells([(period.start, period.end)], department_id=department_id),
        together=_periods,
    )


def _periods(keys: list[tuple]) -> list[dict]:
    """The values of the period parts of ``keys`` ((start, end, today, department id)):
    ``kpis.compute_periods`` counts any number of periods of one scope in the same queries,
    each as it counts it alone (a quarter and the one before: 60 ms against 83 at 100,000
    issues)."""
    values = {}
    scopes: dict[tuple, list[tuple]] = {}
    for key in keys:
        scopes.setdefault(key[2:], []).append(key)
    for (today, department_id), members in scopes.items():
        figures = kpis.compute_periods(
            [kpis.Period(start, end) for start, end, _today, _department in members],
            today=today,
            by_department=department_id is None,
            department_id=department_id,
            now=False,
        )
        for key, value in zip(members, figures, strict=True):
            values[key] = _stamped({"figures": value})
    return [values[key] for key in keys]


def _now_counts_part(today: date, department_id: int | None = None):
    """Open and overdue now: every department's (``None``) or one department's."""
    return cache.Part(
        "now-counts",
        (today, department_id),
        lambda: _stamped(
            {
                "counts": kpis.now_counts(
                    today, by_department=department_id is None, department_id=department_id
                )
            }
        ),
        figure_cells(now=True, department_id=department_id),
    )


def _lists(today: date, department_id: int | None = None) -> dict:
    overdue, _count = _issue_rows(
        kpis.oldest_overdue(today, department_id=department_id, limit=LIST_LENGTH)
    )
    escalated, escalated_count = _issue_rows(
        kpis.escalated(department_id=department_id, limit=LIST_LENGTH)
    )
    return {
        "overdue": overdue,
        "escalated": escalated,
        "escalated_count": escalated_count,
        "departments": _departments(),
    }


def _instructions_part(department_id: int | None = None):
    """The issues whose instruction awaits an answer: what a timeline entry alone (a
    progress note, an instruction) can change."""

    def compute():
        rows, count = _issue_rows(
            kpis.with_instruction_pending(department_id=department_id, limit=LIST_LENGTH)
        )
        return _stamped({"instructions": rows, "instruction_count": count})

    return cache.Part(
        "instructions",
        (department_id,),
        compute,
        figure_cells(timeline=True, department_id=department_id),
    )


def _compute_district_now(today: date) -> dict:
    return _stamped(
        {**_lists(today), "recurring": recurring.find_groups(), "categories": _names(Category)}
    )


def _compute_breakdowns(period: kpis.Period, today: date) -> dict:
    breakdowns = kpis.breakdowns(period, today)
    meetings = Meeting.objects.filter(pk__in=list(breakdowns["meeting"]))
    return _stamped({"breakdowns": breakdowns, "meetings": {m.pk: str(m) for m in meetings}})


def _compute_trend(period: kpis.Period, skip: list[kpis.Period]) -> dict:
    rows = kpis.trend(period, known={p: kpis.Figures() for p in skip})
    return _stamped({"trend": [row for row in rows if row.period not in skip]})


def _stamps(values: list[dict]) -> dict:
    """When the parts were computed: ``computed_at``, the oldest of them; and ``signature``,
    which changes whenever what one of them holds changes (the overview's HTML is cached under
    it: a recomputation that found the same figures renders nothing again)."""
    return {
        "computed_at": min(value["computed_at"] for value in values),
        "signature": tuple(value["content"] for value in values),
    }


def overview(period: kpis.Period, today: date | None = None) -> dict:
    """The chair's dashboard's figures for ``period``. Cached in parts, each recomputed only
    when a change touched what it counts (cache.py): the period's and the previous period's
    figures, the trend's other quarters, the breakdowns, and what is true now."""
    today = today or timezone.localdate()
    previous_period = period.previous()
    skip = [period, previous_period]
    trend_quarters = [q for q in kpis.quarters_ending(period) if q not in skip]
    current, previous, counts, now, instructions, breakdowns, trend = cache.get_many(
        [
            _period_part(period, today),
            _period_part(previous_period, today),
            _now_counts_part(today),
            cache.Part(
                "district-now",
                (today,),
                lambda: _compute_district_now(today),
                figure_cells(now=True),
            ),
            _instructions_part(),
            cache.Part(
                "breakdowns",
                (period.start, period.end, today),
                lambda: _compute_breakdowns(period, today),
                figure_cells([(period.start, period.end)]),
            ),
            cache.Part(
                "trend",
                (period.start, period.end),
                lambda: _compute_trend(period, skip),
                figure_cells([(q.start, q.end) for q in trend_quarters]),
            ),
        ]
    )
    by_department = kpis.with_now(current["figures"], counts["counts"])
    district = kpis.district_of(by_department)
    previous_district = kpis.district_of(kpis.with_now(previous["figures"], counts["counts"]))
    known = {period: district, previous_period: previous_district}
    known |= {row.period: row for row in trend["trend"]}
    return {
        **now,
        **instructions,
        **breakdowns,
        **_stamps([current, previous, counts, now, instructions, breakdowns, trend]),
        "by_department": by_department,
        "district": district,
        "previous": previous_district,
        "trend": kpis.trend(period, known=known),
        "overdue_count": district.overdue,
    }


def department_overview(period: kpis.Period, department_id: int, today: date | None = None) -> dict:
    """A department's figures for ``period`` and the district's beside them; cached in parts
    like ``overview`` (the district's period figures are the overview's own part)."""
    today = today or timezone.localdate()
    current, previous, counts, now, instructions, district, district_counts = cache.get_many(
        [
            _period_part(period, today, department_id),
            _period_part(period.previous(), today, department_id),
            _now_counts_part(today, department_id),
            cache.Part(
                "department-now",
                (today, department_id),
                lambda: _stamped(_lists(today, department_id)),
                figure_cells(now=True, department_id=department_id),
            ),
            _instructions_part(department_id),
            _period_part(period, today),
            _now_counts_part(today),
        ]
    )
    figures = kpis.with_now(current["figures"], counts["counts"])[department_id]
    return {
        **now,
        **instructions,
        **_stamps([current, previous, counts, now, instructions, district, district_counts]),
        "figures": figures,
        "previous": kpis.with_now(previous["figures"], counts["counts"])[department_id],
        "district": kpis.district_of(kpis.with_now(district["figures"], district_counts["counts"])),
        "overdue_count": figures.overdue,
    }


def figures_of(
    period: kpis.Period, *, department_id: int | None = None, today: date | None = None
) -> kpis.Figures:
    """The KPIs of ``period`` for the district (``department_id`` None) or one department,
    from the same cached parts as the dashboard's pages (the REST API reads them here)."""
    today = today or timezone.localdate()
    current, counts = cache.get_many(
        [_period_part(period, today, department_id), _now_counts_part(today, department_id)]
    )
    by_key = kpis.with_now(current["figures"], counts["counts"])
    if department_id is None:
        return kpis.district_of(by_key)
    return by_key[department_id]


# --- Policy notices' reach ----------------------------------------------------------------

NOTICE_REACH_QUARTERS = 4


def notice_reach(period: kpis.Period) -> list[dict]:
    """The reach of the policy notices sent in each of the quarters ending with ``period``:
    notices sent, people and enterprises they were delivered to, failures, and reads. One
    cached part per quarter, holding numbers only (one entry serves every reader); notices
    are not cells of the ledger, so a part is at most ``cache.TTL`` old."""
    quarters = kpis.quarters_ending(period, NOTICE_REACH_QUARTERS)
    values = cache.get_many(
        [
            cache.Part(
                "notice-reach",
                (q.start, q.end),
                lambda q=q: notice_selectors.reach(q.start_at, q.end_before),
            )
            for q in quarters
        ]
    )
    return [{"period": q, **value} for q, value in zip(quarters, values, strict=True)]
