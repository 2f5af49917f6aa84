"""Celery tasks of the issues app. The reminder tasks (``issues.tasks.send_reminders``,
``deliver_pending``, ``purge_expired``) live in ``roundtable/notifications/tasks.py`` under
their old names."""

from celery import shared_task
from django.db import DatabaseError

_RETRY = {
    "autoretry_for": (DatabaseError,),
    "retry_backoff": 5,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 3,
}


@shared_task(ignore_result=True, time_limit=60 * 60, soft_time_limit=55 * 60, **_RETRY)
def sweep_orphan_files() -> str:
    """Nightly: delete attachment files that no attachment row names, older than a day, and
    ledger uploads never imported, older than JOB_FILES_KEEP_HOURS."""
    from issues import attachments
    from issues.imports import uploads

    orphans = len(attachments.orphan_files_sweep())
    return f"deleted {orphans} orphaned files and {uploads.uploads_purge()} old ledger uploads"
