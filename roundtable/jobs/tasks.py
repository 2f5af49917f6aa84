"""Thin tasks: each calls a service in roundtable/jobs/services.py."""

from celery import shared_task

from roundtable.jobs import services


@shared_task(ignore_result=True, time_limit=60 * 60, soft_time_limit=55 * 60)
def run_queued_jobs() -> str:
    """Every JOBS_POLL_SECONDS (beat): run the queued jobs, oldest first, until none is left.
    Ticks that find a worker slot free run further jobs side by side."""
    ran = 0
    while services.job_run_next() is not None:
        ran += 1
    return f"{ran} job(s) run"


@shared_task(ignore_result=True, time_limit=30 * 60, soft_time_limit=25 * 60)
def purge_expired_jobs() -> str:
    """Nightly: delete export files past JOB_FILES_KEEP_HOURS and mark their jobs expired."""
    return services.jobs_purge_expired().summary()
