"""What the dashboards and the quarterly report show: the figures of roundtable/dashboard/kpis.py
for a period, computed and cached in parts by overviews.py, turned into rows with labels in the
reader's language and links to the ledger (the quarterly report's workbook: workbook.py)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date

from django.urls import get_urlconf, reverse
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_countries import countries

from issues.links import detail_href
from issues.models import Issue
from issues.querysets import working_days_late
from roundtable.dashboard import kpis
from roundtable.dashboard.charts import Bar, TrendPoint, bar_chart, trend_chart
from roundtable.lib import industries, ordering
from roundtable.lib.i18n import bilingual

BREAKDOWN_ROWS = 12


# --- KPIs as the pages show them ----------------------------------------------------------


@dataclass(frozen=True)
class Kpi:
    """One KPI on a page. ``kind``: count, rate (``part`` of ``whole``) or median (of the
    issues concluded). ``now``: a count of the present, not of the period."""

    key: str
    label: Promise | str
    kind: str = "count"
    part: str = ""
    whole: str = ""
    now: bool = False


def kpi_list() -> list[Kpi]:
    """The KPIs in page order, labelled in the active language (call it per request: a
    page then translates each label once, not once per cell)."""
    days = kpis.accept_within()
    return [
        Kpi("raised", _("Issues raised")),
        Kpi("concluded", _("Issues concluded")),
        Kpi("open", _("Open now"), now=True),
        Kpi("overdue", _("Overdue now"), now=True),
        Kpi(
            "response_rate",
            ngettext(
                "Accepted within %(days)s working day",
                "Accepted within %(days)s working days",
                days,
            )
            % {"days": days},
            "rate",
            part="responded",
            whole="response_due",
        ),
        Kpi(
            "on_time_rate",
            _("Concluded on time"),
            "rate",
            part="on_time",
            whole="concluded",
        ),
        Kpi(
            "resolution_rate",
            _("Resolution rate (raised and closed)"),
            "rate",
            part="resolved",
            whole="raised",
        ),
        Kpi(
            "satisfaction_rate",
            _("Satisfaction rate"),
            "rate",
            part="satisfied",
            whole="rated",
        ),
        Kpi(
            "median_days",
            _("Median working days to conclusion"),
            "median",
            whole="concluded",
        ),
        Kpi("reopened", _("Reopened")),
    ]


LEAGUE_SORTS = [
    "name",
    "raised",
    "concluded",
    "open",
    "overdue",
    "response_rate",
    "on_time_rate",
    "resolution_rate",
    "satisfaction_rate",
    "median_days",
    "reopened",
]


_ledger_paths: dict = {}


def _ledger_path() -> str:
    # A page links to the ledger hundreds of times: reverse it once per URLconf.
    urlconf = get_urlconf()
    if urlconf not in _ledger_paths:
        _ledger_paths[urlconf] = reverse("issues:ledger")
    return _ledger_paths[urlconf]


@functools.lru_cache(maxsize=4096)
def _ledger_query(kpi: str, period: kpis.Period | None, department_id: int | None) -> str:
    # A dashboard links hundreds of figures, the same ones on every rendering: encode each
    # query once (a pure function of its arguments).
    return urlencode(kpis.ledger_params(kpi, period, department_id=department_id))


def ledger_url(kpi: str, period: kpis.Period | None, department_id: int | None = None, **extra):
    """The ledger filtered to exactly the issues behind ``kpi`` (kpis.ledger_params)."""
    query = _ledger_query(kpi, period, department_id)
    if extra:
        query += "&" + urlencode([(k, str(v)) for k, v in extra.items()])
    return f"{_ledger_path()}?{query}"


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{round(rate * 100)}%"


def days_text(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:g}" if value != int(value) else str(int(value))


def _value(kpi: Kpi, figures: kpis.Figures):
    return getattr(figures, kpi.key)


def display(kpi: Kpi, figures: kpis.Figures) -> str:
    value = _value(kpi, figures)
    if kpi.kind == "rate":
        return percent(value)
    if kpi.kind == "median":
        return days_text(value)
    return str(value)


def comparable(kpi: Kpi, current: kpis.Figures, previous: kpis.Figures | None):
    """(now, before) when the figure compares with the previous period: it is of the period
    (not of today) and was computed for both."""
    if previous is None or kpi.now:
        return None
    now, before = _value(kpi, current), _value(kpi, previous)
    if now is None or before is None:
        return None
    return now, before


def change(kpi: Kpi, current: kpis.Figures, previous: kpis.Figures | None) -> str:
    """The change against the previous period: "+5", "−3 pts", or "" when not comparable."""
    values = comparable(kpi, current, previous)
    if values is None:
        return ""
    now, before = values
    if kpi.kind == "rate":
        delta, unit = round((now - before) * 100), " " + _("pts")
    elif kpi.kind == "median":
        delta, unit = now - before, ""
    else:
        delta, unit = now - before, ""
    if not delta:
        return "±0" + unit
    sign = "+" if delta > 0 else "−"
    return f"{sign}{days_text(abs(delta)) if kpi.kind == 'median' else abs(delta)}{unit}"


def _link(kpi_name: str, count: int, period, department_id) -> dict:
    return {"value": count, "href": ledger_url(kpi_name, period, department_id)}


def kpi_cell(
    kpi: Kpi,
    figures: kpis.Figures,
    period: kpis.Period,
    *,
    department_id: int | None = None,
    previous: kpis.Figures | None = None,
    previous_period: kpis.Period | None = None,
) -> dict:
    """Everything a page shows for one KPI of one scope; every number with its ledger link.
    Show it only to readers whose ledger holds all of those issues (the department
    dashboard leaves the district's figures out for department members)."""
    cell = {
        "key": kpi.key,
        "label": kpi.label,
        "kind": kpi.kind,
        "now": kpi.now,
        "display": display(kpi, figures),
        "change": change(kpi, figures, previous),
        "previous": display(kpi, previous) if previous is not None and not kpi.now else "",
        "previous_label": previous_period.label if previous_period else "",
    }
    if kpi.kind == "count":
        cell["count"] = _link(kpi.key, _value(kpi, figures), period, department_id)
    else:
        if kpi.part:
            cell["part"] = _link(kpi.part, getattr(figures, kpi.part), period, department_id)
        cell["whole"] = _link(kpi.whole, getattr(figures, kpi.whole), period, department_id)
    if kpi.whole == "rated":
        # Who gave the ratings: the enterprise on the portal, or staff on its behalf.
        cell["rated_by"] = {
            who: _link(
                f"rated_by_{who}", getattr(figures, f"rated_by_{who}"), period, department_id
            )
            for who in ("enterprise", "staff")
        }
    return cell


# --- Names in the reader's language -------------------------------------------------------


def _named_issue_rows(rows: list[dict], departments: dict, today: date) -> list[dict]:
    statuses, href = dict(Issue.Status.choices), detail_href()
    result = []
    for row in rows:
        dept = departments.get(row["lead_department_id"])
        late = working_days_late(row["deadline"], today)
        result.append(
            {
                **row,
                "enterprise": bilingual(row["enterprise__name_zh"], row["enterprise__name_en"]),
                "lead": bilingual(dept["name_zh"], dept["name_en"]) if dept else "",
                "status_label": statuses.get(row["status"], row["status"]),
                "working_days_late": late,
                "href": href.format(row["pk"]),
            }
        )
    return result


# --- Rows for the pages -------------------------------------------------------------------


def summary_rows(data: dict, period: kpis.Period) -> list[dict]:
    previous_period = period.previous()
    return [
        kpi_cell(
            kpi,
            data["district"],
            period,
            previous=data["previous"],
            previous_period=previous_period,
        )
        for kpi in kpi_list()
    ]


def _sort_value(row: dict, key: str):
    if key == "name":
        return row["place"]
    value = getattr(row["figures"], key)
    return value


def league_rows(data: dict, period: kpis.Period, sort: str = "name") -> list[dict]:
    """One row per active department with its KPIs; sorted by ``sort`` (a KPI name, "-"
    first for descending), departments without a figure last."""
    rows, kpi_columns = [], kpi_list()
    department_url = reverse("dashboard:department")
    for pk, dept in data["departments"].items():
        if not dept["is_active"]:
            continue
        figures = data["by_department"].get(pk, kpis.Figures())
        rows.append(
            {
                "pk": pk,
                "code": dept["code"],
                "name": bilingual(dept["name_zh"], dept["name_en"]),
                "href": f"{department_url}?{urlencode({'department': pk, 'period': period.key})}",
                "figures": figures,
                "cells": [kpi_cell(k, figures, period, department_id=pk) for k in kpi_columns],
            }
        )
    # By name: the reader's order (lib/ordering.py), the official one in Chinese.
    places = ordering.for_reader([(r["pk"], r["name"]) for r in rows])
    place = {pk: n for n, (pk, _name) in enumerate(places)}
    for row in rows:
        row["place"] = place[row["pk"]]
    key = sort.lstrip("-")
    if key not in LEAGUE_SORTS:
        key, sort = "name", "name"
    descending = sort.startswith("-")
    present = [r for r in rows if _sort_value(r, key) is not None]
    missing = [r for r in rows if _sort_value(r, key) is None]
    present.sort(key=lambda r: (_sort_value(r, key), r["code"]), reverse=descending)
    return present + sorted(missing, key=lambda r: r["code"])


def trend_rows(data: dict) -> list[dict]:
    rows = []
    for item in data["trend"]:
        p = item.period
        rows.append(
            {
                "label": p.label,
                "key": p.key,
                "raised": {"value": item.raised, "href": ledger_url("raised", p)},
                "concluded": {"value": item.concluded, "href": ledger_url("concluded", p)},
                "on_time": {"value": item.on_time, "href": ledger_url("on_time", p)},
                "on_time_rate": percent(item.on_time_rate),
            }
        )
    return rows


def trend_svg(data: dict) -> str:
    points = [
        TrendPoint(
            label=item.period.label,
            raised=item.raised,
            concluded=item.concluded,
            on_time_rate=item.on_time_rate,
            raised_href=ledger_url("raised", item.period),
            concluded_href=ledger_url("concluded", item.period),
        )
        for item in data["trend"]
    ]
    return trend_chart(points, chart_id="trend", title=_("The last 8 quarters"))


def _dimension_label(dimension: str, key, names: dict) -> str:
    if dimension == "category":
        zh, en = names["category"].get(key, ("", ""))
        return bilingual(zh, en) or str(key)
    if dimension == "source":
        return str(Issue.Source(key).label) if key in Issue.Source.values else key
    if dimension == "meeting":
        return names["meeting"].get(key) or str(key)
    if dimension == "country":
        return str(countries.name(key)) or key
    if dimension == "industry":
        return industries.name(str(key))
    return str(key)


DIMENSIONS = [
    ("category", gettext_lazy("By category"), "category"),
    ("country", gettext_lazy("By investor's country or region"), "country"),
    ("industry", gettext_lazy("By industry"), "industry"),
    ("source", gettext_lazy("By source"), "source"),
    ("meeting", gettext_lazy("By meeting"), "meeting"),
]


def breakdown_tables(data: dict, period: kpis.Period, *, limit: int = BREAKDOWN_ROWS):
    """Per dimension: the rows (largest first, at most ``limit``), each figure linked, and a
    bar chart of the issues raised."""
    found = data["breakdowns"]
    names = {"category": data["categories"], "meeting": data["meetings"]}
    # Each link is the period's "raised" filter, the row's key, then the column's filter:
    # the common parts are encoded once.
    path, raised = _ledger_path(), urlencode(kpis.ledger_params("raised", period))
    columns = {
        "open": "&" + urlencode(kpis.ledger_params("open")),
        "overdue": "&" + urlencode(kpis.ledger_params("overdue")),
        "closed": "&" + urlencode([("status", Issue.Status.CLOSED)]),
    }
    tables = []
    for dimension, title, param in DIMENSIONS:
        items = sorted(found[dimension].items(), key=lambda kv: (-kv[1]["raised"], str(kv[0])))
        rows = []
        for key, values in items[:limit]:
            href = f"{path}?{raised}&{urlencode([(param, str(key))])}"
            row = {
                "label": _dimension_label(dimension, key, names),
                "raised": {"value": values["raised"], "href": href},
            }
            for column, query in columns.items():
                row[column] = {"value": values[column], "href": href + query}
            rows.append(row)
        chart = bar_chart(
            [Bar(r["label"], r["raised"]["value"], r["raised"]["href"]) for r in rows],
            chart_id=f"by-{dimension}",
            title=_("%(breakdown)s: issues raised") % {"breakdown": title},
        )
        tables.append(
            {
                "dimension": dimension,
                "title": title,
                "rows": rows,
                "more": max(0, len(items) - limit),
                "chart": chart,
            }
        )
    return tables


def issue_lists(data: dict, today: date, *, department_id: int | None = None) -> dict:
    departments = data["departments"]
    return {
        "overdue": _named_issue_rows(data["overdue"], departments, today),
        "escalated": _named_issue_rows(data["escalated"], departments, today),
        "instructions": _named_issue_rows(data["instructions"], departments, today),
        "overdue_all": {
            "value": data["overdue_count"],
            "href": ledger_url("overdue", None, department_id, sort="deadline"),
        },
        "escalated_all": {
            "value": data["escalated_count"],
            "href": ledger_url("escalated", None, department_id),
        },
        "instructions_all": {
            "value": data["instruction_count"],
            "href": ledger_url("instruction_pending", None, department_id),
        },
    }


def recurring_groups(data: dict) -> list[dict]:
    groups = []
    categories = data["categories"]
    study_url, href = reverse("issues:study_new"), detail_href()
    for group in data["recurring"]:
        zh, en = categories.get(group.category_id, ("", ""))
        groups.append(
            {
                "category": bilingual(zh, en),
                "titles": group.titles[:3],
                "more_titles": max(0, len(group.titles) - 3),
                "issue_count": group.issue_count,
                "enterprise_count": group.enterprise_count,
                "samples": [
                    {
                        **s,
                        "enterprise": bilingual(s["enterprise__name_zh"], s["enterprise__name_en"]),
                        "href": href.format(s["pk"]),
                    }
                    for s in group.samples
                ],
                "study_url": f"{study_url}?{urlencode([('issue', pk) for pk in group.issue_ids])}",
            }
        )
    return groups


# --- The quarterly report as a workbook ---------------------------------------------------


def quarter_ledger(period: kpis.Period):
    """The quarter's ledger: issues raised or concluded in it, in reference order."""
    return Issue.objects.filter(kpis.raised_in(period) | kpis.concluded_in(period)).order_by(
        "year", "sequence"
    )


def kpi_values(figures: kpis.Figures) -> list[dict]:
    """Every KPI of ``figures`` as plain values, labelled in the active language: a count, a
    rate with the two counts it divides (None when nothing was there to measure), a median."""
    rows = []
    for kpi in kpi_list():
        rows.append(
            {
                "key": kpi.key,
                "label": str(kpi.label),
                "kind": kpi.kind,
                "now": kpi.now,
                "value": _value(kpi, figures),
                "part": getattr(figures, kpi.part) if kpi.part else None,
                "whole": getattr(figures, kpi.whole) if kpi.whole else None,
            }
        )
    return rows
