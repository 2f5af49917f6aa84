from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from roundtable.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin, SimpleHistoryAdmin):
    list_display = ("username", "full_name", "email", "is_active", "preferred_language")
    search_fields = ("username", "full_name", "email")
    fieldsets = BaseUserAdmin.fieldsets + (
        (
            _("Roundtable"),
            {"fields": ("full_name", "title", "office_phone", "mobile", "preferred_language")},
        ),
    )
