import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from roundtable.accounts import throttle
from roundtable.accounts.forms import LoginForm
from roundtable.lib.client_ip import client_ip

logger = logging.getLogger(__name__)


def locked_response(request):
    """The lock-out page (429), the same for every username and every limit."""
    return render(
        request,
        settings.AXES_LOCKOUT_TEMPLATE,
        {"cooloff_timedelta": throttle.sign_in_window()},
        status=429,
    )


def log_refused_sign_in(request, username: str, *, step: str = "password") -> None:
    """One log line per refused sign-in: the username typed and the client's address, never
    the password or code. Counted for the coarse throttles, unless they refused it."""
    address = client_ip(request)
    logger.warning(
        "sign-in refused (%s): username=%r address=%s", step, (username or "")[:150], address
    )
    if step != "throttled":
        throttle.sign_in_failed(address=address, username=username or "")


class LoginView(auth_views.LoginView):
    """Sign-in. django-axes locks a username from an address (AXES_*), and
    ``accounts/throttle.py`` adds the coarse limits per address and per username. ``next`` is
    checked by Django against this host, so an off-site ``next`` falls back to the home page."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")
        if throttle.sign_in_blocked(address=client_ip(request), username=username):
            log_refused_sign_in(request, username, step="throttled")
            return locked_response(request)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        log_refused_sign_in(self.request, form.data.get("username", ""))
        return super().form_invalid(form)


class LogoutView(auth_views.LogoutView):
    """Sign-out, POST only (a GET is 405, so that no link or image can sign anyone out).

    The response is never cached: the user is anonymous by the time it is built, so the
    no-store middleware for signed-in users no longer applies."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You have signed out."))
        add_never_cache_headers(response)
        return response


@require_POST
def set_language(request):
    """Switch the interface language: stored on the user (so it follows them to any browser
    and into their e-mails) and in a cookie (for the sign-in page)."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language in dict(settings.LANGUAGES) and check_for_language(language):
        if request.user.is_authenticated and request.user.preferred_language != language:
            request.user.preferred_language = language
            request.user.save(update_fields=["preferred_language"])
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=365 * 24 * 3600,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            secure=getattr(settings, "LANGUAGE_COOKIE_SECURE", False),
        )
    return response


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a friendly 403 that tells the user to reload, not Django's page."""
    return render(request, "403_csrf.html", status=403)
