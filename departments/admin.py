from django.contrib import admin

from departments.models import Department, DepartmentMembership
from roundtable.lib.admin import HistoryAdmin


class MembershipInline(admin.TabularInline):
    model = DepartmentMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Department)
class DepartmentAdmin(HistoryAdmin):
    list_display = ("code", "name_zh", "name_en", "kind", "parent", "office_phone", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name_zh", "name_en")
    inlines = [MembershipInline]


@admin.register(DepartmentMembership)
class DepartmentMembershipAdmin(HistoryAdmin):
    list_display = (
        "user",
        "department",
        "role",
        "office_phone",
        "mobile",
        "started_on",
        "ended_on",
    )
    list_filter = ("role", "department")
    search_fields = ("user__username", "user__full_name", "department__name_zh")
    autocomplete_fields = ["user", "department"]
