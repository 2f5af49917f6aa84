from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from roundtable.accounts.models import ApiToken


class TokenScope(permissions.BasePermission):
    """A read-only token may only read: any other method is refused with 403."""

    message = _("This token may only read.")

    def has_permission(self, request, view):
        token = request.auth
        if isinstance(token, ApiToken) and not token.may_write:
            return request.method in permissions.SAFE_METHODS
        return True
