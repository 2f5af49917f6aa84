from django.contrib import admin
from django.urls import include, path

from issues.urls_reminders import notification_patterns
from roundtable.accounts import roles
from roundtable.ops import views as ops_views


def _admin_has_permission(request):
    # The Django admin is for administrators only, whatever is_staff says.
    return roles.is_administrator(request.user) and request.user.is_staff


admin.site.has_permission = _admin_has_permission
admin.site.site_header = "Roundtable"

urlpatterns = [
    # Answered by roundtable.ops.middleware before sessions and authentication; listed here
    # for reverse() and the access matrix.
    path("healthz", ops_views.healthz, name="healthz"),
    path("readyz", ops_views.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("roundtable.accounts.urls")),
    path("issues/", include("issues.urls")),
    path("reminders/", include("issues.urls_reminders")),
    path("notifications/", include(notification_patterns)),
    path("", include("roundtable.enterprises.urls")),
    path("", include("roundtable.meetings.urls")),
    path("", include("roundtable.dashboard.urls")),
]

# The portal's own pages for a refused request and a server error, in the reader's language
# (403, 404 and the CSRF failure use templates/403.html, 404.html and CSRF_FAILURE_VIEW).
# The 500 page shows the request id and touches no database.
handler400 = "roundtable.lib.errors.bad_request"
handler500 = "roundtable.lib.errors.server_error"
