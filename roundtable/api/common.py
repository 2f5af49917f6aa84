"""What every API view shares: the page forms as the checks of a JSON body, the issue's
ETag and the If-Match precondition, and the cursor pagination."""

from django.http import QueryDict
from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.exceptions import ValidationError

from issues.models import Issue
from roundtable.api.errors import PreconditionFailed, PreconditionRequired
from roundtable.lib import params


def form_data(form_class, data, *, defaults=None, **kwargs) -> dict:
    """``data`` (a JSON object) checked by ``form_class``, the form of the page that does the
    same thing, so that each rule lives in one place; its errors answer 400. ``defaults``
    stand for what the page's form starts filled with."""
    if not isinstance(data, dict):
        raise ValidationError({"detail": _("Send a JSON object.")})
    query = QueryDict(mutable=True)
    for key, value in {**(defaults or {}), **data}.items():
        if isinstance(value, list):
            query.setlist(key, [str(v) for v in value])
        elif isinstance(value, bool):
            if value:
                query[key] = "on"
        elif value is not None:
            query[key] = str(value)
    form = form_class(query, **kwargs)
    if not form.is_valid():
        raise ValidationError(
            {
                field: [error["message"] for error in errors]
                for field, errors in form.errors.get_json_data().items()
            }
        )
    return form.cleaned_data


def etag(issue: Issue) -> str:
    return f'"{issue.pk}-{issue.version}"'


def expected_version(request, issue: Issue) -> int:
    """The version the client read, from If-Match: 428 when absent, 412 when it names
    another issue or is not an ETag of ours (a stale version is refused by the service)."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise PreconditionRequired
    value = header.removeprefix("W/").strip('"')
    issue_id, _sep, version = value.partition("-")
    version = params.parse_int(version, min_value=0, max_value=10**9 - 1)
    if params.parse_id(issue_id) != issue.pk or version is None:
        raise PreconditionFailed
    return version


class IssueCursor(pagination.CursorPagination):
    """A cursor over the ledger's order in force (``view.ordering``), so that a page is as
    fast at the 100,000th issue as at the first and nothing shifts under a client paging
    while issues are logged."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_ordering(self, request, queryset, view):
        return view.ordering


class IdCursor(pagination.CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("id",)


class MeetingCursor(IssueCursor):
    """A cursor over the meetings list's order in force (``view.ordering``)."""
