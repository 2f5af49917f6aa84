from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """The last time a background process proved it was alive (the Celery worker and beat).
    The administrator's home page shows it, so that a dead worker is noticed before the
    reminders it should have sent are missed."""

    name = models.CharField(_("process"), max_length=50, primary_key=True)
    seen_at = models.DateTimeField(_("last seen"))
    detail = models.CharField(_("detail"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return self.name
