from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation

from roundtable.lib.errors import request_language


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
            # reader's language is looked up from the session cookie, or the browser's.
            with translation.override(request_language(request)):
                page = render_to_string(
                    "413.html", {"max_mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)}
                )
            return HttpResponse(page, status=413)
        return self.get_response(request)


class MethodNotAllowedPageMiddleware:
    """``require_POST`` and the other method checks answer 405 with an empty body, which a
    browser shows as a blank page: give it the portal's page, in the reader's language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 405 or response.streaming or response.content:
            return response
        # The same response, so that the headers set on it (Allow, X-Frame-Options…) stay.
        response.content = render_to_string("405.html", request=request)
        response["Content-Type"] = "text/html; charset=utf-8"
        return response
