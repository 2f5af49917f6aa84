"""Who is calling: a personal token (roundtable/accounts/api_tokens.py) or the browser's
session. A token answers in its owner's language, as the pages do for a signed-in user."""

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from roundtable.accounts import api_tokens

KEYWORDS = ("bearer", "token")


def activate_language(request, user) -> None:
    if user.preferred_language:
        translation.activate(user.preferred_language)
        request._request.LANGUAGE_CODE = translation.get_language()


class TokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <key>`` (or ``Token <key>``). A revoked, expired or unknown
    key, or the key of a deactivated user, is refused with 401; no header leaves it to the
    session."""

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower().decode(errors="replace") not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Send one token after the keyword."))
        token = api_tokens.token_for_key(parts[1].decode(errors="replace"))
        if token is None:
            raise exceptions.AuthenticationFailed(_("This token is unknown or was revoked."))
        if token.is_expired:
            activate_language(request, token.user)
            raise exceptions.AuthenticationFailed(
                _("This token expired after %(day)s; make a new one on your account page.")
                % {"day": token.last_day.isoformat()}
            )
        activate_language(request, token.user)
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class SessionAuthentication(authentication.SessionAuthentication):
    """The browser's session (the API's documentation page tries requests with it), with
    Django's CSRF check on unsafe methods. A deactivated user's session is refused."""
