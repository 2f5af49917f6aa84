from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from roundtable.accounts.models import User
from roundtable.lib.admin import HistoryAdmin


@admin.register(User)
class UserAdmin(BaseUserAdmin, HistoryAdmin):
    list_display = ("username", "full_name", "email", "is_active", "preferred_language")
    search_fields = ("username", "full_name", "email")
    fieldsets = BaseUserAdmin.fieldsets + (
        (
            _("Roundtable"),
            {"fields": ("full_name", "title", "office_phone", "mobile", "preferred_language")},
        ),
    )


# Authenticators and backup codes are managed in the portal's own pages (an administrator
# resets a user's second factor there); the admin would show their secrets.
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
