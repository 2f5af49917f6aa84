from django.contrib import admin

from roundtable.enterprises.models import Association, Enterprise, EnterpriseContact
from roundtable.lib.admin import HistoryAdmin


class ContactInline(admin.TabularInline):
    model = EnterpriseContact
    extra = 0
    exclude = ("user",)


@admin.register(Enterprise)
class EnterpriseAdmin(HistoryAdmin):
    list_display = ("name_zh", "name_en", "credit_code", "country", "industry", "is_active")
    list_filter = ("is_active", "size")
    search_fields = ("name_zh", "name_en", "credit_code")
    autocomplete_fields = ["designated_official", "service_contact"]
    inlines = [ContactInline]


@admin.register(Association)
class AssociationAdmin(HistoryAdmin):
    list_display = ("name_zh", "name_en", "kind", "country")
    search_fields = ("name_zh", "name_en")
    filter_horizontal = ("enterprises",)
