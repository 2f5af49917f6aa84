"""The invitation of an enterprise contact to the enterprise side of the portal. Queued by
``enterprises/services.py`` (``contact_invite``) through the outbox and built by the worker
when it goes out, in the contact's language (any of the four): a one-line subject, a text and
an HTML part (``templates/emails/portal/contact_invitation.*``), with the link to /portal/."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from roundtable.accounts.tokens import invitation_tokens, uid_for

CONTACT_INVITATION = "contact_invitation"
LABELS = {CONTACT_INVITATION: _("Invitation to the enterprise portal")}


def contact_invitation_message(recipient) -> EmailMultiAlternatives:
    language = recipient.preferred_language or settings.LANGUAGE_CODE
    token = invitation_tokens.make_token(recipient)
    with translation.override(language):
        enterprises = [
            str(link.enterprise)
            for link in recipient.enterprise_links.active().select_related("enterprise")
        ]
        context = {
            "recipient": recipient,
            "language": language,
            "site_url": settings.SITE_URL,
            "url": settings.SITE_URL + reverse("portal:welcome", args=[uid_for(recipient), token]),
            "portal_url": settings.SITE_URL + reverse("portal:home"),
            "username": recipient.get_username(),
            "enterprises": enterprises,
            "days": max(1, round(invitation_tokens.timeout() / 86400)),
        }
        base = f"emails/portal/{CONTACT_INVITATION}"
        subject = render_to_string(f"{base}.subject.txt", context)
        text = render_to_string(f"{base}.txt", context)
        html = render_to_string(f"{base}.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
    )
    message.attach_alternative(html, "text/html")
    return message
