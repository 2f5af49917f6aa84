from django.contrib import admin

from roundtable.lib.admin import HistoryAdmin
from roundtable.workdays.models import CalendarDay, CalendarYear
from roundtable.workdays.services import calendar_changed, follow_ups


class _RecordsCalendarChanges:
    """Every way the admin edits the calendar (add, change, revert to a past version, delete
    one, delete a selection) records the change: every process counts with it from its next
    request or task, and the figures computed from working days are recomputed. The calendar's
    pages say what the calendar as it is now leaves to do (provisional deadlines to count
    again), with a link for those who may do it."""

    change_list_template = "admin/workdays/change_list.html"
    change_form_template = "admin/workdays/change_form.html"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        calendar_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        calendar_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        calendar_changed()

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "calendar_follow_ups": follow_ups(request.user)}
        return super().changelist_view(request, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "calendar_follow_ups": follow_ups(request.user)}
        return super().changeform_view(request, object_id, form_url, extra_context)


@admin.register(CalendarYear)
class CalendarYearAdmin(_RecordsCalendarChanges, HistoryAdmin):
    list_display = ("year", "published", "source")
    list_filter = ("published",)


@admin.register(CalendarDay)
class CalendarDayAdmin(_RecordsCalendarChanges, HistoryAdmin):
    list_display = ("date", "kind", "name")
    list_filter = ("kind",)
    date_hierarchy = "date"
    search_fields = ("name",)
