"""Background jobs of the dashboard."""

import os
import socket

from celery import shared_task
from django.utils import timezone

from roundtable.dashboard.models import Heartbeat


@shared_task(ignore_result=True)
def record_heartbeat(name: str = "worker") -> None:
    """Note that a worker ran just now. Beat sends this every minute (CELERY_BEAT_SCHEDULE
    "heartbeat"), so a stale row means that the worker or beat is down."""
    detail = f"{socket.gethostname()}/{os.getpid()}"
    Heartbeat.objects.update_or_create(
        name=name, defaults={"seen_at": timezone.now(), "detail": detail[:200]}
    )
