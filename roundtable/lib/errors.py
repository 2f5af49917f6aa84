"""The portal's own error pages, in the reader's language.

Django's defaults answer a bad request with a bare "Bad Request (400)" and render 500.html in
whatever language happens to be active. These run when something already went wrong (the
database may be down, the session may not have been saved), so they read nothing from the
database beyond the reader's language, and fall back to the browser's when even that fails.
"""

from __future__ import annotations

import logging
from importlib import import_module
from types import SimpleNamespace

from django.conf import settings
from django.http import HttpResponseBadRequest, HttpResponseServerError
from django.template.loader import render_to_string
from django.utils import translation
from django.views.decorators.csrf import requires_csrf_token

from roundtable.lib import logs

logger = logging.getLogger(__name__)


def request_language(request) -> str:
    """The signed-in user's preferred language, else the language cookie's or the browser's.

    Safe anywhere in the middleware chain: before the session and authentication middleware
    (RequestSizeLimitMiddleware) it reads the session cookie itself, and a database that
    cannot answer leaves the browser's choice."""
    try:
        user = getattr(request, "user", None)
        if user is None:
            from django.contrib.auth import get_user

            engine = import_module(settings.SESSION_ENGINE)
            session = engine.SessionStore(request.COOKIES.get(settings.SESSION_COOKIE_NAME))
            user = get_user(SimpleNamespace(session=session))
        preferred = getattr(user, "preferred_language", "") if user.is_authenticated else ""
    except Exception:  # the database or the session store is what failed
        logger.debug("no user language for the error page", exc_info=True)
        preferred = ""
    if preferred and translation.check_for_language(preferred):
        return preferred
    return getattr(request, "LANGUAGE_CODE", None) or translation.get_language_from_request(request)


def _page(request, template: str, context: dict | None = None) -> str:
    """``template`` rendered without a request context: no context processors, no query."""
    with translation.override(request_language(request)):
        return render_to_string(template, context or {})


@requires_csrf_token
def bad_request(request, exception=None):
    """handler400: a request Django refused (a session that could not be saved, a
    suspicious header, a malformed upload)."""
    return HttpResponseBadRequest(_page(request, "400.html"))


@requires_csrf_token
def server_error(request):
    """handler500: 500.html is self-contained, so it renders with the database down. It
    shows the request id (``roundtable.lib.logs``) for the user to quote."""
    return HttpResponseServerError(
        _page(request, "500.html", {"request_id": logs.current_request_id()})
    )
