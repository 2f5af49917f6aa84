"""Administrators manage reference data here (categories). Issues themselves are changed
only through the portal's pages, which apply the workflow's rules; the admin shows them
read-only for support."""

from django.contrib import admin

from issues.models import Category, Issue
from roundtable.lib.admin import HistoryAdmin


@admin.register(Category)
class CategoryAdmin(HistoryAdmin):
    list_display = ("code", "name_zh", "name_en", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name_zh", "name_en")


@admin.register(Issue)
class IssueAdmin(HistoryAdmin):
    list_display = ("reference", "title", "status", "deadline", "raised_on")
    list_filter = ("status", "source", "category")
    search_fields = ("reference", "title")
    date_hierarchy = "raised_on"
    list_select_related = ("category",)
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
