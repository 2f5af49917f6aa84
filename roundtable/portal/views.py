"""The enterprise side's pages (/portal/). Thin: ``access.contact_required`` decides who may
come in and which enterprises they see, selectors read, services write."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from issues.models import Issue
from roundtable.accounts.tokens import invitation_tokens
from roundtable.portal import selectors, services
from roundtable.portal.access import contact_required, enterprise_ids
from roundtable.portal.forms import WelcomeForm


@contact_required
@require_http_methods(["GET"])
def home(request):
    """The contact's home: their enterprises and designated officials, the conclusions
    waiting for their confirmation, open issues and the next meetings they are invited to."""
    ids = enterprise_ids(request)
    issues = selectors.issues_of(ids).exclude(status=Issue.Status.CLOSED)
    to_confirm = [
        selectors.decorate(issue)
        for issue in issues.filter(status=Issue.Status.CONCLUSION_REPORTED)[:20]
    ]
    return render(
        request,
        "portal/home.html",
        {
            "enterprises": request.portal_enterprises,
            "to_confirm": to_confirm,
            "open_count": issues.count(),
            "upcoming": selectors.upcoming(ids, timezone.now())[:5],
        },
    )


class WelcomeView(auth_views.PasswordResetConfirmView):
    """The link of a contact's invitation: set a password and choose a language, once.
    Django's view: the token moves from the URL to the session before the form shows, so it
    never leaks in a Referer; the link works once and for INVITATION_TIMEOUT."""

    form_class = WelcomeForm
    template_name = "portal/welcome.html"
    token_generator = invitation_tokens
    success_url = reverse_lazy("accounts:login")

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        if user is None or not user.is_active or not user.is_enterprise_contact:
            return None
        return user

    def form_valid(self, form):
        language = form.cleaned_data["language"]
        services.contact_welcome(
            user=self.user,
            new_password=form.cleaned_data["new_password1"],
            language=language,
        )
        self.request.session.pop(auth_views.INTERNAL_RESET_SESSION_TOKEN, None)
        translation.activate(language)
        messages.success(self.request, _("Your password is set. Sign in with it."))
        response = HttpResponseRedirect(self.get_success_url())
        # The sign-in page follows the language just chosen.
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=365 * 24 * 3600,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            secure=getattr(settings, "LANGUAGE_COOKIE_SECURE", False),
        )
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["login_url"] = reverse("accounts:login")
        return context
