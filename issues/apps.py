from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IssuesConfig(AppConfig):
    name = "issues"
    verbose_name = _("Issues")

    def ready(self):
        from issues import delivery
        from roundtable.lib import outbox

        outbox.install(delivery.outbox_write)
