from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.cache import add_never_cache_headers


class UserLanguageMiddleware:
    """A signed-in user sees the portal in their own preferred language, whatever browser
    they sit at; the language switch changes that preference."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.preferred_language:
            translation.activate(user.preferred_language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


class NoStoreForAuthenticatedMiddleware:
    """Pages shown to a signed-in user are never cached, so that after sign-out the back
    button cannot bring a case page back from the browser's cache."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response


class SecondFactorRequiredMiddleware:
    """With REQUIRE_2FA_FOR_ADMINS, an administrator or member of the chair's office whose
    session has not passed a second factor (none set up yet, or an administrator reset it)
    is sent to set one up before any other page: only the set-up pages, sign-out and the
    language switch stay open (WhiteNoise serves static files before this). Costs nothing
    when the setting is off."""

    ALLOWED = {
        "accounts:two_factor",
        "accounts:two_factor_enrol",
        "accounts:logout",
        "accounts:set_language",
    }

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.REQUIRE_2FA_FOR_ADMINS:
            user = getattr(request, "user", None)
            if (
                user is not None
                and user.is_authenticated
                and not user.is_verified()
                and self._view_name(request) not in self.ALLOWED
            ):
                from roundtable.accounts.services import second_factor_required

                if second_factor_required(user):
                    return redirect("accounts:two_factor_enrol")
        return self.get_response(request)

    @staticmethod
    def _view_name(request) -> str:
        try:
            return resolve(request.path_info).view_name
        except Resolver404:
            return ""


class EnterpriseSideMiddleware:
    """Enterprise contacts (``roles.is_enterprise_contact``) never reach a staff page: the
    one rule, here, whatever each staff page checks itself. A contact may use the enterprise
    side (the URL namespace ``portal``) and the few account pages every visitor needs
    (sign-in and out, the language switch, a reset link); the portal's home ("/") sends
    them to /portal/, and every other page answers 403. After the session and the user are
    known, before any view runs."""

    PORTAL_NAMESPACE = "portal"
    ALLOWED = {
        "accounts:login",
        "accounts:login_verify",
        "accounts:logout",
        "accounts:set_language",
        "accounts:password_reset",
        "accounts:password_reset_sent",
        "accounts:password_reset_confirm",
    }

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and getattr(user, "is_enterprise_contact", False):
            try:
                match = resolve(request.path_info)
            except Resolver404:
                match = None
            if match is not None and not (
                self.PORTAL_NAMESPACE in match.namespaces or match.view_name in self.ALLOWED
            ):
                if match.view_name == "dashboard:home":
                    return redirect("portal:home")
                raise PermissionDenied
        return self.get_response(request)
