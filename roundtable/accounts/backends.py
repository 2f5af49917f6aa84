from django.contrib.auth.backends import BaseBackend

from roundtable.accounts import roles

# What the administrator role manages in the Django admin: people, departments, the
# roundtable's membership, the calendar, reference data, the background schedule and the
# outbound webhooks' endpoints and deliveries.
ADMINISTERED_APPS = {
    "accounts",
    "auth",
    "departments",
    "workdays",
    "enterprises",
    "meetings",
    "django_celery_beat",
    "axes",
    "issues",
    "webhooks",
}


class AdministratorRoleBackend(BaseBackend):
    """Model permissions for the administrator role, so that the role is data (a group)
    rather than a list of permission rows to keep in step. Issues stay read-only: their
    changes go through the workflow's pages, which administrators do not use."""

    def has_perm(self, user_obj, perm, obj=None):
        if not roles.is_administrator(user_obj):
            return False
        app_label, _dot, codename = perm.partition(".")
        if app_label not in ADMINISTERED_APPS:
            return False
        if app_label == "issues":
            return codename.endswith("_category") or codename.startswith("view_")
        return True

    def has_module_perms(self, user_obj, app_label):
        return roles.is_administrator(user_obj) and app_label in ADMINISTERED_APPS
