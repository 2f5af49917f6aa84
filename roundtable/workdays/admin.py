from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from roundtable.workdays.models import CalendarDay, CalendarYear
from roundtable.workdays.services import clear_cache


class _ClearsCalendarCache:
    """An edit takes effect at once in this process; other processes within a minute."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        clear_cache()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        clear_cache()


@admin.register(CalendarYear)
class CalendarYearAdmin(_ClearsCalendarCache, SimpleHistoryAdmin):
    list_display = ("year", "published", "source")
    list_filter = ("published",)


@admin.register(CalendarDay)
class CalendarDayAdmin(_ClearsCalendarCache, SimpleHistoryAdmin):
    list_display = ("date", "kind", "name")
    list_filter = ("kind",)
    date_hierarchy = "date"
    search_fields = ("name",)
