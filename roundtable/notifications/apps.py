from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "roundtable.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from roundtable.lib import notices, outbox
        from roundtable.notifications import delivery

        # Lower layers hand us their mail and notices through roundtable.lib.
        outbox.install(delivery.outbox_write)
        notices.install(delivery.notices_write)
        # Each app's reminder rules register themselves (roundtable/lib/reminders.py).
        autodiscover_modules("reminder_rules")
