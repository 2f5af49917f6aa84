"""The ledger under the current filter, as .xlsx or .csv, streamed."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

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
from issues.models import Issue


def _filtered(request):
    """The issues to export, or the answer to a filter with an error: exporting the whole
    ledger instead would look like the filtered one."""
    access.require_case_user(request.user)
    form, issues = filtered(Issue.objects.visible_to(request.user), request.GET)
    if form.errors:
        message = _("The filter has an error; correct it on the ledger page first.")
        return None, HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
    return issues, None


@login_required
@require_GET
def export_xlsx(request):
    issues, refusal = _filtered(request)
    if refusal:
        return refusal
    content = stream_xlsx(ledger_rows(issues), title=_("Ledger"))
    response = StreamingHttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Length"] = content.size
    response["Content-Disposition"] = content_disposition(export_filename("ledger", "xlsx"))
    return response


@login_required
@require_GET
def export_csv(request):
    issues, refusal = _filtered(request)
    if refusal:
        return refusal
    rows = ledger_rows(issues)
    response = StreamingHttpResponse(stream_csv(rows), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition(export_filename("ledger", "csv"))
    return response
