from django.contrib import admin
from django.urls import include, path

from issues.urls_reminders import notification_patterns
from roundtable.accounts import roles
from roundtable.accounts.forms import AdminLoginForm


def _admin_has_permission(request):
    # The Django admin is for administrators only, whatever is_staff says.
    return roles.is_administrator(request.user) and request.user.is_staff


admin.site.has_permission = _admin_has_permission
admin.site.login_form = AdminLoginForm
admin.site.site_header = "Roundtable"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("roundtable.accounts.urls")),
    path("issues/", include("issues.urls")),
    path("reminders/", include("issues.urls_reminders")),
    path("notifications/", include(notification_patterns)),
    path("", include("roundtable.enterprises.urls")),
    path("", include("roundtable.meetings.urls")),
    path("", include("roundtable.dashboard.urls")),
]
