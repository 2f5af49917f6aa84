from rest_framework.throttling import SimpleRateThrottle

from roundtable.accounts.models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    """API_RATE requests per token (each of a user's tokens counts on its own), per user for
    the session, counted in the cache; 429 with Retry-After past it."""

    scope = "api"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
