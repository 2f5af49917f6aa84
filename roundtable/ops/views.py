"""Health and readiness answers (no sign-in, see health.py)."""

from django.http import JsonResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_safe

from roundtable.ops import health


@require_safe
def healthz(request):
    """The process is up and answers. No database, no cache: always 200 while it runs."""
    response = JsonResponse({"status": health.OK})
    add_never_cache_headers(response)
    return response


@require_safe
def readyz(request):
    """200 when every dependency answers (``warn`` is still 200), 503 when one fails; the
    body names each check and its result."""
    result = health.readiness()
    response = JsonResponse(result.as_json(), status=result.http_status)
    add_never_cache_headers(response)
    # Not one "Service Unavailable" error line per poll: health.py logs each check's change.
    response._has_been_logged = True
    return response
