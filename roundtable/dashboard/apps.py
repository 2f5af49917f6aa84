from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "roundtable.dashboard"
    label = "dashboard"
    verbose_name = _("Dashboard")

    def ready(self):
        from roundtable.dashboard import jobs

        # A quarterly workbook too large for a request runs as a background job.
        jobs.register()
