from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import include, path, reverse

from roundtable.accounts import roles
from roundtable.notifications.urls import notification_patterns
from roundtable.ops import views as ops_views


def _admin_has_permission(request):
    # The Django admin is for administrators only, whatever is_staff says.
    return roles.is_administrator(request.user) and request.user.is_staff


def _admin_login(request, extra_context=None):
    # One sign-in for the whole portal, with its throttles and second factor: the admin's
    # own login form would skip both. A signed-in non-administrator is refused.
    if request.user.is_authenticated:
        raise PermissionDenied
    return redirect_to_login(
        request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index"),
        login_url=reverse("accounts:login"),
    )


admin.site.has_permission = _admin_has_permission
admin.site.login = _admin_login
admin.site.site_header = "Roundtable"

urlpatterns = [
    # Answered by roundtable.ops.middleware before sessions and authentication; listed here
    # for reverse() and the access matrix.
    path("healthz", ops_views.healthz, name="healthz"),
    path("readyz", ops_views.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("roundtable.accounts.urls")),
    path("issues/", include("issues.urls")),
    path("reminders/", include("roundtable.notifications.urls")),
    path("notifications/", include(notification_patterns)),
    path("jobs/", include("roundtable.jobs.urls")),
    path("notices/", include("roundtable.notices.urls")),
    path("api/", include("roundtable.api.urls")),
    path("webhooks/", include("roundtable.webhooks.urls")),
    # The enterprises' own side: contacts only (roundtable/portal/access.py).
    path("portal/", include("roundtable.portal.urls")),
    path("", include("roundtable.enterprises.urls")),
    path("", include("roundtable.meetings.urls")),
    path("", include("roundtable.dashboard.urls")),
]

# The portal's own pages for a refused request and a server error, in the reader's language
# (403, 404 and the CSRF failure use templates/403.html, 404.html and CSRF_FAILURE_VIEW).
# The 500 page shows the request id and touches no database.
handler400 = "roundtable.lib.errors.bad_request"
handler500 = "roundtable.lib.errors.server_error"
