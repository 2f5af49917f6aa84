"""The ledger import: upload a file, confirm the mapping of its columns while the preview
shows what each row becomes and every problem of each cell, then start the import, which the
worker runs as a job (roundtable/jobs/). Commerce staff only."""

import io

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from issues import access
from issues.exports import XLSX_CONTENT_TYPE, content_disposition
from issues.imports import checking, uploads
from issues.imports.columns import guess_mapping
from issues.imports.forms import MappingForm, UploadForm
from issues.imports.reading import ImportFileError, read_table
from issues.imports.running import KIND
from issues.imports.template import write_template
from roundtable.jobs import views as jobs

ROWS_PER_PAGE = 200


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    access.check(access.can_edit(request.user, None))
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            read_table(data, upload.name)  # refused now, not after the mapping
        except ImportFileError as error:
            form.add_error("file", str(error))
        else:
            token = uploads.upload_save(owner=request.user, name=upload.name, data=data)
            return redirect("issues:import_preview", token=token)
    status = 400 if request.method == "POST" else 200
    return render(request, "issues/import_upload.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def import_preview(request, token: str):
    """GET: the preview under the mapping guessed from the headers, or the one the form
    sent (its "Show the preview" button). POST: the import, under the mapping posted."""
    access.check(access.can_edit(request.user, None))
    found = uploads.upload_find(owner=request.user, token=token)
    if found is None:
        raise Http404
    name, data = found
    try:
        table = read_table(data, name)
    except ImportFileError as error:  # the limits may have changed since the upload
        return render(request, "issues/import_upload.html", {"form": UploadForm(), "error": error})
    guessed = guess_mapping(table.header)
    sent = request.POST if request.method == "POST" else request.GET
    if "map" in sent or request.method == "POST":
        form = MappingForm(sent, header=table.header)
    else:
        form = MappingForm(initial=MappingForm.initial_for(guessed), header=table.header)
    valid = form.is_bound and form.is_valid()
    mapping = form.mapping() if valid else guessed
    if request.method == "POST" and valid:
        back = reverse("issues:import_preview", kwargs={"token": token})
        job_params = {"token": token, "name": name, "mapping": mapping}
        return jobs.start(request, kind=KIND, params=job_params, back=back)
    mapping_refused = form.is_bound and not valid
    rows = [] if mapping_refused else checking.check_table(table, mapping)
    page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    columns = checking.columns_of(mapping)
    for row in page:
        row.shown = row.display(columns)
    context = {
        "name": name,
        "token": token,
        "form": form,
        "columns": columns,
        "page": page,
        "counts": checking.summary(rows),
        "total": len(rows),
        "query": _page_query(request),
    }
    status = 400 if mapping_refused else 200
    return render(request, "issues/import_preview.html", context, status=status)


def _page_query(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@login_required
@require_GET
def import_template(request):
    access.check(access.can_edit(request.user, None))
    out = io.BytesIO()
    write_template(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition("ledger-import-template.xlsx")
    return response
