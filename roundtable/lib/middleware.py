from django.conf import settings
from django.core.exceptions import BadRequest
from django.core.signals import request_finished
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation

from roundtable.lib import logs, params
from roundtable.lib.errors import request_language


class RequestIdMiddleware:
    """Give every request an id: the proxy's ``X-Request-ID`` when it is a safe token (nginx
    sends its ``$request_id``), else a new one. It is in every log line written while the
    request is handled (``roundtable.lib.logs``), in the ``X-Request-ID`` response header, in
    the headers of the tasks the request queues, and on the 500 page, so that a user can quote
    it and an operator can find every line about that request. First in MIDDLEWARE.

    The id stays set until the response is closed (``request_finished``), not only while the
    middleware runs: Django logs a 4xx after the middleware has returned, and a streamed
    export is produced after that too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = logs.safe_request_id(request.META.get("HTTP_X_REQUEST_ID")) or logs.new_request_id()
        request.request_id = rid
        logs.request_id.set(rid)
        response = self.get_response(request)
        response["X-Request-ID"] = rid
        return response


def _forget_request_id(**kwargs) -> None:
    logs.request_id.set(None)


request_finished.connect(_forget_request_id, dispatch_uid="roundtable.forget_request_id")


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
        if length > request_body_limit():
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


def request_body_limit() -> int:
    """The largest request body accepted: one attachment plus the form's text. The proxy's
    upload limit (nginx's client_max_body_size in deploy/nginx/roundtable.conf) matches it."""
    return settings.ATTACHMENT_MAX_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE
