from django.contrib import admin

from roundtable.webhooks.models import Delivery, Endpoint


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    list_display = ("name", "url", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "url")
    readonly_fields = ("created_at", "created_by", "updated_at")


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "event",
        "event_id",
        "endpoint",
        "status",
        "attempts",
        "response_status",
        "duration_ms",
        "created_at",
    )
    list_filter = ("status", "event", "endpoint")
    search_fields = ("=event_id",)
    list_select_related = ("endpoint",)
    raw_id_fields = ("issue",)
    readonly_fields = [f.name for f in Delivery._meta.fields]

    def has_add_permission(self, request):
        return False
