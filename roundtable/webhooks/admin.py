from django.contrib import admin

from roundtable.webhooks.models import Delivery, Endpoint
from roundtable.webhooks.services import subscriptions_changed


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    list_display = ("name", "url", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "url")
    readonly_fields = ("created_at", "created_by", "updated_at")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        subscriptions_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        subscriptions_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        subscriptions_changed()


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
