"""Links that let a person set their password: a reset link and an invitation.

Both are Django's password-reset tokens: an HMAC over the user's id, password hash, last
sign-in and e-mail with a timestamp. Setting the password changes the hash, so a link works
once; it also stops working after its timeout (PASSWORD_RESET_TIMEOUT, INVITATION_TIMEOUT),
counted from when the worker made it, that is when the e-mail went out. The two kinds are
salted apart: an invitation is not a reset link, and the reverse.
"""

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode


class _Generator(PasswordResetTokenGenerator):
    timeout_setting = "PASSWORD_RESET_TIMEOUT"

    def timeout(self) -> int:
        return int(getattr(settings, self.timeout_setting))

    def check_token(self, user, token):
        """Django's check, with this kind's own timeout."""
        if not (user and token):
            return False
        try:
            ts_b36, _hash = token.split("-")
            ts = base36_to_int(ts_b36)
        except ValueError:
            return False
        if not any(
            constant_time_compare(self._make_token_with_timestamp(user, ts, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        ):
            return False
        return self._num_seconds(self._now()) - ts <= self.timeout()


class PasswordResetTokens(_Generator):
    key_salt = "roundtable.accounts.tokens.PasswordResetTokens"


class InvitationTokens(_Generator):
    key_salt = "roundtable.accounts.tokens.InvitationTokens"
    timeout_setting = "INVITATION_TIMEOUT"


password_reset_tokens = PasswordResetTokens()
invitation_tokens = InvitationTokens()


def uid_for(user) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))
