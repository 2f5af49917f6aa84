"""The import itself, run by the worker as a job (roundtable/jobs/): the file is read and
checked again (the ledger may have changed since the preview), the rows without errors are
imported through ``issues.services.issues_import`` in one transaction (all or nothing: a
failure imports no row), and the job's file is the report, one line per row of the file: what
became of it and why."""

import csv
import io

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from issues import access
from issues.exports import CSV_CONTENT_TYPE
from issues.imports import checking, uploads
from issues.imports.reading import read_table
from issues.services import issues_import
from roundtable.jobs import registry

KIND = "ledger_import"


def import_rows(*, owner, rows: list[checking.Row], file_name: str, progress=None) -> dict:
    """Import the rows ``checking`` marked for import, in one transaction; the references of
    the issues created, by row number."""
    todo = [(row.number, row.issue) for row in rows if row.outcome == checking.IMPORT]
    created = issues_import(actor=owner, rows=todo, file_name=file_name, progress=progress)
    return {number: issue.reference for number, issue in created.items()}


def _report(out, rows: list[checking.Row], created: dict) -> None:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow([_("Row"), _("Outcome"), _("Issue"), _("Problems")])
    for row in rows:
        problems = "; ".join(
            f"{checking.BY_LABEL.get(p.column, p.column)}: {p.message}" for p in row.problems
        )
        if row.number in created:
            outcome, issue = _("Imported"), created[row.number]
        elif row.outcome == checking.DUPLICATE:
            outcome, issue = _("Already imported, skipped"), row.duplicate_of
        else:
            outcome, issue = _("Not imported"), ""
        writer.writerow([row.number, outcome, issue, problems])
    out.write(("\ufeff" + text.getvalue()).encode("utf-8"))


def build_import(*, owner, params: dict, out, progress) -> None:
    access.check(access.can_edit(owner, None))
    found = uploads.upload_claim(owner=owner, token=params["token"])
    if found is None:
        raise ValueError("the upload is gone (imported already, or never there)")
    name, data = found
    table = read_table(data, name)
    rows = checking.check_table(table, {k: int(v) for k, v in params["mapping"].items()})
    todo = sum(1 for row in rows if row.outcome == checking.IMPORT)
    progress(0, todo)
    created = import_rows(owner=owner, rows=rows, file_name=name, progress=progress)
    _report(out, rows, created)
    uploads.upload_delete(owner=owner, token=params["token"])


def register() -> None:
    registry.register(
        KIND,
        build=build_import,
        filename=lambda params: f"import-report-{params.get('token', '')[:8]}.csv",
        content_type=CSV_CONTENT_TYPE,
        title=gettext_lazy("Ledger import"),
    )
