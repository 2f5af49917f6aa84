"""Celery tasks for reminders: thin, each calls a service that derives its work from the
database, so a lost, duplicated or late message changes nothing but timing.

Beat sends ``send_reminders`` at REMINDER_HOUR and ``deliver_pending`` every minute
(CELERY_BEAT_SCHEDULE in settings). Late acknowledgement and rejection on a lost worker are
global settings: a task cut off by a crash runs again, and the claim in the reminder log keeps
that from sending twice. Database errors are retried a few times with back-off; a failing mail
server is retried per reminder by the service (``delivery.py``), not by requeueing tasks. No
task is ever scheduled with ``eta``/``countdown``: deadlines live in the database.

The tasks keep the names they were registered under when they lived in ``issues/tasks.py``
(``issues.tasks.send_reminders``…): beat's schedule, the periodic tasks stored by
django-celery-beat and any message already queued name them so.
"""

import logging
from datetime import date

from celery import shared_task
from celery.signals import worker_ready
from django.db import DatabaseError

from roundtable.notifications import delivery, reminders

logger = logging.getLogger(__name__)

_RETRY = {
    "autoretry_for": (DatabaseError,),
    "retry_backoff": 5,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 3,
}


@shared_task(
    name="issues.tasks.send_reminders",
    ignore_result=True,
    time_limit=30 * 60,
    soft_time_limit=25 * 60,
    **_RETRY,
)
def send_reminders(day: str | None = None) -> str:
    """The daily run. ``day`` (YYYY-MM-DD) runs it for that day whatever the hour, as
    ``manage.py send_reminders --date`` does; a day that is not a working day sends nothing."""
    report = reminders.reminders_run(day=date.fromisoformat(day) if day else None)
    pending = delivery.reminders_deliver_pending()
    return f"{report.summary()}; pending: {pending.summary()}"


@shared_task(
    name="issues.tasks.deliver_pending",
    ignore_result=True,
    time_limit=15 * 60,
    soft_time_limit=12 * 60,
    **_RETRY,
)
def deliver_pending() -> str:
    """Every minute: today's run if it was missed, then notification e-mails, due retries
    and claims left by a dead worker."""
    caught_up = reminders.reminders_catch_up()
    pending = delivery.reminders_deliver_pending()
    return (f"caught up {caught_up.summary()}; " if caught_up else "") + pending.summary()


@shared_task(
    name="issues.tasks.purge_expired",
    ignore_result=True,
    time_limit=60 * 60,
    soft_time_limit=55 * 60,
    **_RETRY,
)
def purge_expired() -> str:
    """Nightly: delete reminder-log rows and notifications past RETENTION_DAYS
    (retention.py), in batches."""
    from roundtable.notifications import retention

    return retention.expired_purge().summary()


def broker_eviction_policy(url: str) -> str | None:
    """Redis's maxmemory-policy for a Redis broker URL (None for other brokers, or when the
    server does not say). Anything but "noeviction" lets Redis drop queued tasks under memory
    pressure: the reminders would still be derived again by the next run, but late."""
    if not url.startswith(("redis://", "rediss://")):
        return None
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        return client.config_get("maxmemory-policy").get("maxmemory-policy")
    except redis.RedisError:
        return None
    finally:
        client.close()


@worker_ready.connect
def _check_broker_at_start(sender=None, **kwargs) -> None:
    url = sender.app.conf.broker_url if sender is not None else ""
    policy = broker_eviction_policy(url or "")
    if policy is not None and policy != "noeviction":
        logger.error(
            "Redis maxmemory-policy is %r, not 'noeviction': queued tasks can be evicted.", policy
        )
    elif policy == "noeviction":
        logger.info("broker check: Redis maxmemory-policy is noeviction")
