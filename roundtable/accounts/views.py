"""Signing in and out, and each person's own account: password, reset links, invitations,
the second factor, the language."""

import logging
import time
from base64 import b32encode
from binascii import unhexlify

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.cache import add_never_cache_headers
from django.utils.crypto import constant_time_compare
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticToken

from roundtable.accounts import roles, services, throttle
from roundtable.accounts.forms import (
    CodeForm,
    ConfirmPasswordForm,
    EnrolCodeForm,
    LoginForm,
    PasswordChangeForm,
    PasswordResetRequestForm,
    SetPasswordForm,
)
from roundtable.accounts.models import STAFF_LANGUAGES, User
from roundtable.accounts.tokens import invitation_tokens, password_reset_tokens
from roundtable.accounts.views_tokens import account_context
from roundtable.lib import params
from roundtable.lib.client_ip import client_ip

logger = logging.getLogger(__name__)

# A sign-in that passed the password and waits for the second factor (in the session).
PENDING = "pending_sign_in"
PENDING_SECONDS = 5 * 60
CODE_TRIES = 5
# The authenticator secret being enrolled, until a code confirms it.
ENROL_KEY = "totp_enrol_key"


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
    checked by Django against this host, so an off-site ``next`` falls back to the home page.

    A user with a second factor is not signed in by the password: the session remembers the
    pending sign-in for PENDING_SECONDS and ``login_verify`` asks for the code."""

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

    def form_valid(self, form):
        user = form.get_user()
        self.signing_in = user
        if not user_has_device(user):
            return super().form_valid(form)
        session = self.request.session
        session.cycle_key()
        session[PENDING] = {
            "user": user.pk,
            "backend": user.backend,
            "hash": user.get_session_auth_hash(),
            "at": int(time.time()),
            "next": self.get_success_url(),
            "tries": 0,
        }
        return redirect("accounts:login_verify")

    def get_success_url(self):
        # An enterprise contact lands on the enterprise side, whatever staff page ``next``
        # names (EnterpriseSideMiddleware would refuse it).
        url = super().get_success_url()
        user = getattr(self, "signing_in", None)
        if user is not None and roles.is_enterprise_contact(user):
            portal = reverse("portal:home")
            if not url.startswith(portal):
                return portal
        return url

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["reset_url"] = reverse("accounts:password_reset")
        return context


def _pending_user(request) -> tuple[User | None, dict | None]:
    """The user of the session's pending sign-in, while it is fresh, the account active
    and the password unchanged since."""
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None, None
    user = User.objects.filter(pk=pending.get("user"), is_active=True).first()
    if user is None or not constant_time_compare(
        user.get_session_auth_hash(), pending.get("hash", "")
    ):
        return None, None
    return user, pending


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def login_verify(request):
    """The second step of signing in: a code from the authenticator app, or a backup code.
    CODE_TRIES wrong codes end the attempt (the password is asked again), and each one
    counts as a failed sign-in for django-axes and the throttles."""
    user, pending = _pending_user(request)
    if user is None:
        request.session.pop(PENDING, None)
        messages.info(request, _("Sign in again."))
        return redirect("accounts:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        address = client_ip(request)
        if throttle.sign_in_blocked(address=address, username=user.get_username()):
            log_refused_sign_in(request, user.get_username(), step="throttled")
            return locked_response(request)
        throttled = services.second_factor_throttled(user)
        device = services.second_factor_verify(user=user, code=form.cleaned_data["code"])
        if device is not None:
            del request.session[PENDING]
            user.backend = pending["backend"]
            auth_login(request, user)
            otp_login(request, device)
            return HttpResponseRedirect(pending["next"])
        log_refused_sign_in(request, user.get_username(), step="code")
        user_login_failed.send(
            sender=__name__, credentials={"username": user.get_username()}, request=request
        )
        pending["tries"] += 1
        request.session[PENDING] = pending
        if pending["tries"] >= CODE_TRIES:
            del request.session[PENDING]
            messages.error(request, _("Too many wrong codes. Sign in again."))
            return redirect("accounts:login")
        if throttled:
            form.add_error("code", _("Wait a few seconds before you try the next code."))
        else:
            form.add_error("code", _("The code is not correct."))
    return render(request, "accounts/login_verify.html", {"form": form})


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
    response = HttpResponseRedirect(_safe_next(request))
    # Staff pages are in English and Chinese; contacts (and the sign-in page) have all four.
    offered = STAFF_LANGUAGES if roles.is_staff_side(request.user) else dict(settings.LANGUAGES)
    if language in offered and check_for_language(language):
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


def _safe_next(request) -> str:
    next_url = params.get_text(request.POST, "next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return "/"
    return next_url


@login_required
@require_POST
def list_density(request):
    """Compact rows in the lists, or not: remembered on the user (a small form beside each
    list's count posts here, then returns to the list)."""
    services.set_compact_lists(user=request.user, compact=request.POST.get("compact") == "1")
    return HttpResponseRedirect(_safe_next(request))


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a friendly 403 that tells the user to reload, not Django's page."""
    return render(request, "403_csrf.html", status=403)


# --- One's own account ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def account(request):
    """Your account: who the portal thinks you are, links to your password and second
    factor, and your API tokens (roundtable/accounts/views_tokens.py)."""
    return render(request, "accounts/account.html", account_context(request.user))


@sensitive_post_parameters()
@login_required
@require_http_methods(["GET", "POST"])
def password_change(request):
    """Change your own password: the current one first, then Django's validators. This
    session stays signed in; every other session of yours ends."""
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.password_change(
            user=request.user,
            new_password=form.cleaned_data["new_password1"],
            keep_session=request.session.session_key,
        )
        update_session_auth_hash(request, request.user)
        messages.success(
            request, _("Your password is changed. You are signed out everywhere else.")
        )
        return redirect("accounts:account")
    return render(request, "accounts/password_change.html", {"form": form})


@require_http_methods(["GET", "POST"])
def password_reset(request):
    """Ask for a reset link by e-mail. The answer is the same whether or not an account has
    the address; requests are throttled per address and per e-mail (429). The mail is
    queued in the outbox and sent by the worker."""
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        address = client_ip(request)
        if not throttle.password_reset_allowed(address=address, email=email):
            logger.warning("password reset throttled: address=%s", address)
            return render(
                request,
                "accounts/password_reset.html",
                {"form": form, "throttled": True},
                status=429,
            )
        services.password_reset_request(email=email)
        return redirect("accounts:password_reset_sent")
    return render(request, "accounts/password_reset.html", {"form": form})


@require_http_methods(["GET"])
def password_reset_sent(request):
    return render(
        request,
        "accounts/password_reset_sent.html",
        {"hours": max(1, round(password_reset_tokens.timeout() / 3600))},
    )


class _SetPasswordView(auth_views.PasswordResetConfirmView):
    """A link from an e-mail that lets its owner set a password, once. Django's view: the
    token moves from the URL to the session before the form shows, so it cannot leak in a
    Referer header. A deactivated account's link does not work."""

    form_class = SetPasswordForm
    template_name = "accounts/password_set.html"
    success_url = reverse_lazy("accounts:login")
    invitation = False

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

    def form_valid(self, form):
        services.password_set_by_link(
            user=self.user,
            new_password=form.cleaned_data["new_password1"],
            invitation=self.invitation,
        )
        self.request.session.pop(auth_views.INTERNAL_RESET_SESSION_TOKEN, None)
        messages.success(self.request, _("Your password is set. Sign in with it."))
        return HttpResponseRedirect(self.get_success_url())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["invitation"] = self.invitation
        context["reset_url"] = reverse("accounts:password_reset")
        return context


class PasswordResetConfirmView(_SetPasswordView):
    token_generator = password_reset_tokens
    title = ""


class InvitationView(_SetPasswordView):
    token_generator = invitation_tokens
    invitation = True
    title = ""


# --- Second factor -------------------------------------------------------------------------


def _two_factor_page(request, disable_form, *, status=200):
    user = request.user
    return render(
        request,
        "accounts/two_factor.html",
        {
            "enabled": services.second_factor_enabled(user),
            "required": services.second_factor_required(user),
            "codes_left": StaticToken.objects.filter(device__user=user).count(),
            "disable_form": disable_form,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET"])
def two_factor(request):
    """Your second factor: on or off, backup codes left, and what you can do."""
    return _two_factor_page(request, ConfirmPasswordForm(request.user))


def _qr_svg(url: str) -> str:
    # segno writes only rectangles and paths: the URL is not in the SVG as text.
    return mark_safe(segno.make(url, error="m").svg_inline(scale=4, border=2))  # noqa: S308


def _grouped(key_hex: str) -> str:
    secret = b32encode(unhexlify(key_hex)).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@sensitive_post_parameters("code")
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_enrol(request):
    """Set up an authenticator app: a QR code (inline SVG, made here) and the same secret as
    text, confirmed by one code from the app. Then the backup codes, shown once."""
    user = request.user
    key = request.session.get(ENROL_KEY)
    if not key or request.method == "GET" and request.GET.get("new"):
        key = services.totp_key_new()
        request.session[ENROL_KEY] = key
    form = EnrolCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = services.totp_enrol(
            user=user,
            key=key,
            code=form.cleaned_data["code"],
            keep_session=request.session.session_key,
        )
        if codes is not None:
            del request.session[ENROL_KEY]
            otp_login(request, user.otp_device)
            messages.success(request, _("The second factor is on."))
            return render(request, "accounts/backup_codes.html", {"codes": codes})
        form.add_error("code", _("The code is not correct. Check the time on your phone."))
    device = services.totp_device_preview(user=user, key=key)
    return render(
        request,
        "accounts/two_factor_enrol.html",
        {"form": form, "qr": _qr_svg(device.config_url), "secret": _grouped(key)},
    )


@login_required
@require_POST
def two_factor_backup_codes(request):
    """New backup codes, shown once; the old ones stop working."""
    try:
        codes = services.backup_codes_renew(user=request.user)
    except services.AccountRefused as exc:
        messages.error(request, str(exc))
        return redirect("accounts:two_factor")
    return render(request, "accounts/backup_codes.html", {"codes": codes})


@sensitive_post_parameters("password")
@login_required
@require_POST
def two_factor_disable(request):
    """Turn your second factor off, with your password."""
    form = ConfirmPasswordForm(request.user, request.POST)
    if form.is_valid():
        try:
            services.second_factor_disable(user=request.user)
        except services.AccountRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The second factor is off."))
        return redirect("accounts:two_factor")
    return _two_factor_page(request, form, status=400)
