from django.contrib import admin

from roundtable.lib.admin import HistoryAdmin
from roundtable.meetings.models import Roundtable, RoundtableSeat


class SeatInline(admin.TabularInline):
    model = RoundtableSeat
    extra = 0
    autocomplete_fields = ["user", "department"]


@admin.register(Roundtable)
class RoundtableAdmin(HistoryAdmin):
    list_display = ("name_zh", "name_en", "jurisdiction", "leading_department", "cadence")
    inlines = [SeatInline]
