"""The ledger under the current filter, as .xlsx or .csv, streamed."""

from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from issues import access
from issues.exports import (
    XLSX_CONTENT_TYPE,
    content_disposition,
    export_filename,
    ledger_rows,
    stream_csv,
    stream_xlsx,
)
from issues.filters import LedgerFilterForm, apply_filters
from issues.models import Issue


def _filtered(request):
    access.require_case_user(request.user)
    form = LedgerFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    return apply_filters(Issue.objects.visible_to(request.user), data, today=timezone.localdate())


@login_required
@require_GET
def export_xlsx(request):
    content = stream_xlsx(ledger_rows(_filtered(request)), title=_("Ledger"))
    response = StreamingHttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Length"] = content.size
    response["Content-Disposition"] = content_disposition(export_filename("ledger", "xlsx"))
    return response


@login_required
@require_GET
def export_csv(request):
    rows = ledger_rows(_filtered(request))
    response = StreamingHttpResponse(stream_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition(export_filename("ledger", "csv"))
    return response
