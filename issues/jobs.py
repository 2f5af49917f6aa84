"""The ledger export as a background job (roundtable/jobs/), for exports too large for a
request. The job runs as its owner: the rows are ``Issue.objects.visible_to(owner)`` under
the stored filter, checked when the job runs, so an export started before a change of role
holds only what the owner may still see."""

from collections.abc import Iterator

from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from issues import access
from issues.exports import (
    CSV_CONTENT_TYPE,
    XLSX_CONTENT_TYPE,
    export_filename,
    ledger_rows,
    ledger_sheet,
    stream_csv,
)
from issues.filters import filtered
from issues.models import Issue
from issues.xlsx import write_workbook
from roundtable.jobs import registry

LEDGER_XLSX = "ledger_xlsx"
LEDGER_CSV = "ledger_csv"


def _issues(owner, params: dict):
    access.require_case_user(owner)
    form, issues = filtered(Issue.objects.visible_to(owner), QueryDict(params.get("query", "")))
    if form.errors:
        raise ValueError(f"the stored filter has errors: {form.errors.as_json()}")
    return issues


def counted(rows, total: int, progress) -> Iterator[tuple]:
    """``rows`` as they are, telling ``progress`` how many have been read of ``total``."""
    progress(0, total)
    done = 0
    for done, row in enumerate(rows, start=1):
        yield row
        progress(done, max(total, done))
    progress(done, max(total, done))


def build_ledger_xlsx(*, owner, params: dict, out, progress) -> None:
    issues = _issues(owner, params)
    rows = counted(ledger_rows(issues), issues.count(), progress)
    write_workbook(out, [ledger_sheet(rows, title=_("Ledger"))])


def build_ledger_csv(*, owner, params: dict, out, progress) -> None:
    issues = _issues(owner, params)
    for piece in stream_csv(counted(ledger_rows(issues), issues.count(), progress)):
        out.write(piece)


def register() -> None:
    registry.register(
        LEDGER_XLSX,
        build=build_ledger_xlsx,
        filename=lambda params: export_filename("ledger", "xlsx"),
        content_type=XLSX_CONTENT_TYPE,
        title=gettext_lazy("Ledger export (.xlsx)"),
    )
    registry.register(
        LEDGER_CSV,
        build=build_ledger_csv,
        filename=lambda params: export_filename("ledger", "csv"),
        content_type=CSV_CONTENT_TYPE,
        title=gettext_lazy("Ledger export (.csv)"),
    )
