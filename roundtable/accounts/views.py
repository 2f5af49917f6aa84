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

from roundtable.accounts.forms import LoginForm
from roundtable.lib import params


class LoginView(auth_views.LoginView):
    """Sign-in. Throttling is django-axes' (settings, AXES_*); ``next`` is checked by Django
    against this host, so an off-site ``next`` falls back to the home page."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


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
    next_url = params.get_text(request.POST, "next") or "/"
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
