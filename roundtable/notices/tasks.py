"""The notices' Celery task: thin, it calls ``delivery.notices_deliver_pending``, which
derives its work from the database, so a lost, duplicated or late task changes nothing but
timing. Sending a notice only writes its rows; beat runs this every minute ("deliver-notices"
in roundtable/beat.py) for new rows, retries and claims left by a dead worker."""

from celery import shared_task
from django.db import DatabaseError

from roundtable.notices import delivery


@shared_task(
    name="roundtable.notices.tasks.deliver_notices",
    ignore_result=True,
    time_limit=30 * 60,
    soft_time_limit=25 * 60,
    autoretry_for=(DatabaseError,),
    retry_backoff=5,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=3,
)
def deliver_notices() -> str:
    return delivery.notices_deliver_pending().summary()
