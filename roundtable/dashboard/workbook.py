"""The quarterly report as an .xlsx workbook: the figures of roundtable/dashboard/reports.py
(summary, departments, breakdowns, trend) and the quarter's ledger, in the active language."""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from issues.exports import FileChunks, ledger_rows, ledger_sheet, write_xlsx_file
from issues.xlsx import Bold, Formatted, Sheet
from roundtable.dashboard import kpis
from roundtable.dashboard.overviews import overview
from roundtable.dashboard.reports import (
    Kpi,
    breakdown_tables,
    comparable,
    kpi_list,
    league_rows,
    quarter_ledger,
)


def _rate_value(rate: float | None):
    return None if rate is None else round(rate * 100, 1)


def write_workbook(period: kpis.Period, *, today: date | None = None) -> FileChunks:
    """The quarterly report in the active language: summary, departments, breakdowns, trend
    and the quarter's ledger. Built now, inside the request, into an anonymous temporary file
    returned as 64 KiB pieces; the ledger's rows are streamed into it (issues/xlsx.py: text
    is always text, never a formula)."""
    return write_xlsx_file(report_sheets(period, today=today))


def report_sheets(period: kpis.Period, *, today: date | None = None, ledger=None) -> list[Sheet]:
    """The quarterly report's sheets, ready for issues.xlsx.write_workbook (the background job
    writes them to its own file). ``ledger`` may wrap the ledger's rows (to count them)."""
    today = today or timezone.localdate()
    data = overview(period, today)
    previous_period = period.previous()
    district, previous = data["district"], data["previous"]
    kpi_columns = kpi_list()

    # Summary.
    summary = [
        Bold([_("Roundtable quarterly report"), period.label]),
        [_("From"), period.start, _("to"), period.end],
        [_("Figures as of"), today],
        [],
        Bold([_("Figure"), period.label, previous_period.label, _("Change"), _("Counted")]),
    ]
    for kpi in kpi_columns:
        counted = ""
        if kpi.kind == "rate":
            counted = f"{getattr(district, kpi.part)} / {getattr(district, kpi.whole)}"
            if kpi.whole == "rated":
                counted += (
                    " ("
                    + _("rated by the enterprise: %(enterprise)s, recorded by staff: %(staff)s")
                    % {
                        "enterprise": district.rated_by_enterprise,
                        "staff": district.rated_by_staff,
                    }
                    + ")"
                )
        elif kpi.kind == "median":
            counted = ngettext(
                "%(n)s issue concluded", "%(n)s issues concluded", district.concluded
            ) % {"n": district.concluded}
        summary.append(
            [
                _column_label(kpi),
                _export_value(kpi, district),
                None if kpi.now else _export_value(kpi, previous),
                _export_change(kpi, district, previous),
                counted,
            ]
        )

    # Departments.
    departments = [Bold([_("Lead department")] + [_column_label(k) for k in kpi_columns])]
    for row in league_rows(data, period):
        departments.append([row["name"]] + [_export_value(k, row["figures"]) for k in kpi_columns])
    departments.append(
        Bold([_("District (all issues)")] + [_export_value(k, district) for k in kpi_columns])
    )

    # Breakdowns.
    breakdowns = []
    for table in breakdown_tables(data, period, limit=10_000):
        breakdowns.append(Bold([f"{table['title']} ({period.label})"]))
        breakdowns.append(Bold(["", _("Raised"), _("Still open"), _("Overdue now"), _("Closed")]))
        for row in table["rows"]:
            breakdowns.append(
                [row["label"]] + [row[k]["value"] for k in ("raised", "open", "overdue", "closed")]
            )
        breakdowns.append([])

    # Trend.
    trend = [
        Bold([_("Quarter"), _("Raised"), _("Concluded"), _("Concluded on time"), _("On time (%)")])
    ]
    for item in data["trend"]:
        trend.append(
            [
                item.period.label,
                item.raised,
                item.concluded,
                item.on_time,
                _rate_value(item.on_time_rate),
            ]
        )

    rows = ledger_rows(quarter_ledger(period))
    return [
        Sheet(_("Summary"), [44, 16, 16, 14, 40], summary),
        Sheet(_("Departments"), [34] + [14] * len(kpi_columns), departments),
        Sheet(_("Breakdowns"), [40, 14, 14, 14, 14], breakdowns),
        Sheet(_("Trend"), [16, 14, 14, 18, 18], trend),
        # The quarter's ledger, streamed.
        ledger_sheet(ledger(rows) if ledger else rows, title=_("Ledger")),
    ]


def _column_label(kpi: Kpi) -> str:
    return str(kpi.label) + (" (%)" if kpi.kind == "rate" else "")


def _export_value(kpi: Kpi, figures: kpis.Figures):
    value = getattr(figures, kpi.key)
    if kpi.kind == "rate":
        return _rate_value(value)
    return value


def _export_change(kpi: Kpi, current: kpis.Figures, previous: kpis.Figures | None):
    """The change as a number a spreadsheet computes with, shown signed: issues for a count,
    working days for the median, percentage points for a rate (the difference of the rates
    as the workbook shows them, to 0.1). None (an empty cell) when not comparable."""
    values = comparable(kpi, current, previous)
    if values is None:
        return None
    now, before = values
    if kpi.kind == "rate":
        # Quoted literal text in a number format: no quote or backslash of its own.
        unit = _("pts").replace('"', "").replace("\\", "")
        return Formatted(
            round(_rate_value(now) - _rate_value(before), 1),
            f'+0.0" {unit}";-0.0" {unit}";"±"0.0" {unit}"',
        )
    if kpi.kind == "median":
        return Formatted(now - before, '+0.0;-0.0;"±"0.0')
    return Formatted(now - before, '+0;-0;"±"0')


def report_filename(period: kpis.Period) -> str:
    return f"roundtable-report-{period.key or period.start.isoformat()}.xlsx"
