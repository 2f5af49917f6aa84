from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    """Django's admin with the portal's site (roundtable.lib.admin.AdminSite)."""

    default_site = "roundtable.lib.admin.AdminSite"
