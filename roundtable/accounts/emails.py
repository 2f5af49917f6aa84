"""The account e-mails: a password-reset link and an invitation. Queued by
``accounts/services.py`` through the outbox (``roundtable/lib/outbox.py``) and built here by
the worker when they go out, in the recipient's language: a one-line subject, a text part and
an HTML part (``templates/emails/<kind>.subject.txt|.txt|.html``)."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from roundtable.accounts.tokens import invitation_tokens, password_reset_tokens, uid_for

PASSWORD_RESET = "password_reset"
INVITATION = "invitation"

LABELS = {PASSWORD_RESET: _("Password reset link"), INVITATION: _("Invitation to the portal")}


def _message(kind: str, recipient, context: dict) -> EmailMultiAlternatives:
    language = recipient.preferred_language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "recipient": recipient,
            "site_url": settings.SITE_URL,
            "language": language,
            **context,
        }
        subject = render_to_string(f"emails/{kind}.subject.txt", context)
        text = render_to_string(f"emails/{kind}.txt", context)
        html = render_to_string(f"emails/{kind}.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
    )
    message.attach_alternative(html, "text/html")
    return message


def _hours(seconds: int) -> int:
    return max(1, round(seconds / 3600))


def password_reset_message(recipient) -> EmailMultiAlternatives:
    token = password_reset_tokens.make_token(recipient)
    path = reverse("accounts:password_reset_confirm", args=[uid_for(recipient), token])
    return _message(
        PASSWORD_RESET,
        recipient,
        {
            "url": settings.SITE_URL + path,
            "hours": _hours(password_reset_tokens.timeout()),
            "request_url": settings.SITE_URL + reverse("accounts:password_reset"),
        },
    )


def invitation_message(recipient) -> EmailMultiAlternatives:
    token = invitation_tokens.make_token(recipient)
    path = reverse("accounts:invitation", args=[uid_for(recipient), token])
    return _message(
        INVITATION,
        recipient,
        {
            "url": settings.SITE_URL + path,
            "days": max(1, round(invitation_tokens.timeout() / 86400)),
            "username": recipient.get_username(),
        },
    )
