from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation

from roundtable.lib import params


class RequestSizeLimitMiddleware:
    """Refuse an oversized request body (a 200 MB "attachment") with 413 before Django reads
    it to a temporary file. The limit is one attachment plus room for the form's text."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.ATTACHMENT_MAX_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if length > limit:
            # No request context: this runs before sessions and authentication, so the
            # language comes from the browser's cookie or Accept-Language.
            with translation.override(translation.get_language_from_request(request)):
                page = render_to_string(
                    "413.html", {"max_mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)}
                )
            return HttpResponse(page, status=413)
        return self.get_response(request)


class RefuseNulMiddleware:
    """400 for a NUL byte anywhere in the path or the query string, before any view or query
    sees it: no one types it, SQLite stores it and PostgreSQL refuses it (ValueError, a 500),
    and the admin's search and filters would pass it to a query. Posted values are left to
    the forms, whose text fields refuse it with an error that keeps what was typed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if params.has_nul(request.path_info) or any(
            params.has_nul(key) or any(params.has_nul(value) for value in values)
            for key, values in request.GET.lists()
        ):
            raise BadRequest("NUL byte in the address")
        return self.get_response(request)
