"""The ledger under the current filter, as .xlsx or .csv: streamed at once when it has at
most EXPORT_IMMEDIATE_MAX_ROWS rows, otherwise prepared by the worker as a job
(roundtable/jobs/): GET offers to start it, POST (same address and filter) starts it."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from issues import access
from issues.exports import (
    CSV_CONTENT_TYPE,
    XLSX_CONTENT_TYPE,
    content_disposition,
    export_filename,
    ledger_rows,
    stream_csv,
    stream_xlsx,
)
from issues.filters import filtered
from issues.jobs import LEDGER_CSV, LEDGER_XLSX
from issues.models import Issue
from roundtable.jobs import views as jobs


def _filtered(request):
    """The issues to export, or the answer to a filter with an error: exporting the whole
    ledger instead would look like the filtered one."""
    access.require_case_user(request.user)
    form, issues = filtered(Issue.objects.visible_to(request.user), request.GET)
    if form.errors:
        message = _("The filter has an error; correct it on the ledger page first.")
        return None, HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
    return issues, None


def _export(request, *, kind: str, label: str, immediate):
    issues, refusal = _filtered(request)
    if refusal:
        return refusal
    query = request.GET.urlencode()
    back = reverse("issues:ledger") + (f"?{query}" if query else "")
    if request.method == "POST":
        return jobs.start(request, kind=kind, params={"query": query}, back=back)
    if not jobs.too_large(issues):
        return immediate(issues)
    return jobs.offer(request, count=issues.count(), label=label, back=back)


def _xlsx(issues):
    content = stream_xlsx(ledger_rows(issues), title=_("Ledger"))
    response = StreamingHttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Length"] = content.size
    response["Content-Disposition"] = content_disposition(export_filename("ledger", "xlsx"))
    return response


def _csv(issues):
    rows = ledger_rows(issues)
    response = StreamingHttpResponse(stream_csv(rows), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition(export_filename("ledger", "csv"))
    return response


@login_required
@require_http_methods(["GET", "POST"])
def export_xlsx(request):
    return _export(request, kind=LEDGER_XLSX, label=".xlsx", immediate=_xlsx)


@login_required
@require_http_methods(["GET", "POST"])
def export_csv(request):
    return _export(request, kind=LEDGER_CSV, label=".csv", immediate=_csv)
