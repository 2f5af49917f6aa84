from datetime import datetime, timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _

# A heartbeat older than this means that the worker or beat has probably stopped: the
# administrator's home page shows a warning, and /readyz fails its "worker" check.
HEARTBEAT_STALE_AFTER = timedelta(minutes=10)


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


def heartbeat_is_stale(seen_at: datetime | None, *, now: datetime) -> bool:
    """No heartbeat yet, or none for HEARTBEAT_STALE_AFTER."""
    return seen_at is None or now - seen_at > HEARTBEAT_STALE_AFTER
