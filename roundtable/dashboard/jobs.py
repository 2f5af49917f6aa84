"""The quarterly workbook as a background job (roundtable/jobs/) when the quarter's ledger
is larger than EXPORT_IMMEDIATE_MAX_ROWS. The job runs as its owner, who must still be a
district reader (the chair, a deputy, commerce staff) when it runs."""

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext_lazy

from issues.exports import XLSX_CONTENT_TYPE
from issues.jobs import counted
from issues.xlsx import write_workbook
from roundtable.accounts import roles
from roundtable.dashboard import kpis, reports, workbook
from roundtable.jobs import registry

QUARTERLY_REPORT = "quarterly_report"


def _period(params: dict) -> kpis.Period:
    return kpis.parse_period(params["period"], today=timezone.localdate())


def build_quarterly_report(*, owner, params: dict, out, progress) -> None:
    if not roles.can_read_all_issues(owner):
        raise PermissionDenied
    period = _period(params)
    total = reports.quarter_ledger(period).count()
    sheets = workbook.report_sheets(period, ledger=lambda rows: counted(rows, total, progress))
    write_workbook(out, sheets)


def register() -> None:
    registry.register(
        QUARTERLY_REPORT,
        build=build_quarterly_report,
        filename=lambda params: workbook.report_filename(_period(params)),
        content_type=XLSX_CONTENT_TYPE,
        title=gettext_lazy("Quarterly report (.xlsx)"),
    )
