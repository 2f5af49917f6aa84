from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "roundtable.webhooks"
    label = "webhooks"
    verbose_name = _("Outbound webhooks")

    def ready(self):
        from issues.events import issue_event
        from roundtable.webhooks import services

        issue_event.connect(services.on_issue_event, dispatch_uid="webhooks.on_issue_event")
