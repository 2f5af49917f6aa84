"""Personal API tokens: made and revoked by their owner, and checked on every API request.

A key is ``rt_`` and 43 characters of ``secrets.token_urlsafe(32)`` (256 random bits). Only
its SHA-256 is stored, with its first characters (``prefix``) to find the row by and to show
the owner which key is which; the key is returned once, by ``token_create``, and can never be
read again. A revoked token, or any token of a deactivated user, is refused.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from roundtable.accounts.models import ApiToken, User

KEY_PREFIX = "rt_"
PREFIX_LENGTH = len(KEY_PREFIX) + 8
# A key is at most this long: anything longer is refused before it is hashed.
KEY_MAX_LENGTH = 100
# Live tokens one user may hold at once.
TOKENS_MAX = 20
# ``last_used_at`` is written at most this often per token, not on every request.
LAST_USED_EVERY = timedelta(minutes=1)


class TokenRefused(Exception):
    """The token cannot be made; ``str(exc)`` is shown to the user."""


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_create(*, user: User, name: str, scope: str) -> tuple[ApiToken, str]:
    """A new token of ``user``'s and its key, which the caller shows once and forgets."""
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied
    name = (name or "").strip()
    if not name:
        raise TokenRefused(_("Give the token a name that says what uses it."))
    if scope not in ApiToken.Scope.values:
        raise TokenRefused(_("Choose what the token may do."))
    with transaction.atomic():
        # Serialises one user's creations, so the limit holds against a double click.
        User.objects.select_for_update().filter(pk=user.pk).first()
        if user.api_tokens.filter(revoked_at=None).count() >= TOKENS_MAX:
            raise TokenRefused(
                _("You have %(n)d live tokens, the most allowed; revoke one first.")
                % {"n": TOKENS_MAX}
            )
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        token = ApiToken.objects.create(
            user=user,
            name=name[:100],
            scope=scope,
            prefix=key[:PREFIX_LENGTH],
            key_hash=_digest(key),
        )
    return token, key


def token_revoke(*, user: User, token_id: int) -> ApiToken:
    """Revoke one of ``user``'s own tokens (404 for anyone else's, as for a missing one)."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(pk=token_id, user=user).first()
        if token is None:
            raise Http404
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
    return token


def tokens_of(user: User):
    return user.api_tokens.all()


def token_for_key(key: str) -> ApiToken | None:
    """The live token whose key is ``key``, with its active owner; None otherwise. An
    enterprise contact's token (there should be none) is never honoured: the API is the
    staff side's."""
    if not isinstance(key, str) or not key.startswith(KEY_PREFIX) or len(key) > KEY_MAX_LENGTH:
        return None
    digest = _digest(key)
    candidates = ApiToken.objects.select_related("user").filter(
        prefix=key[:PREFIX_LENGTH],
        revoked_at=None,
        user__is_active=True,
        user__is_enterprise_contact=False,
    )
    for token in candidates:
        if hmac.compare_digest(token.key_hash, digest):
            _mark_used(token)
            return token
    return None


def _mark_used(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
