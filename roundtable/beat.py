"""The periodic jobs (Celery beat). django-celery-beat's DatabaseScheduler copies these into its
tables when beat starts; the administrator can pause or retime them in the admin afterwards.
settings.CELERY_BEAT_SCHEDULE is ``schedule(...)``: the entries live here so that the settings
module stays readable."""

from celery.schedules import crontab

from roundtable.lib.env import env_int


def schedule(*, reminder_hour: int) -> dict:
    return {
        "heartbeat": {
            "task": "roundtable.dashboard.tasks.record_heartbeat",
            "schedule": 60.0,
            # A heartbeat that waited longer than its period proves nothing: drop it.
            "options": {"expire_seconds": 55},
        },
        # The daily reminder run, at REMINDER_HOUR in CELERY_TIMEZONE (Asia/Shanghai). A missed
        # run is caught up by "deliver-pending" below, so the exact tick does not matter.
        "send-reminders": {
            "task": "issues.tasks.send_reminders",
            "schedule": crontab(minute=0, hour=reminder_hour),
            "options": {"expire_seconds": 6 * 3600},
        },
        # E-mail for in-app notifications, retries of failed sends, stale claims, and today's
        # reminder run if it has not happened yet (beat or the worker was down at the hour).
        "deliver-pending": {
            "task": "issues.tasks.deliver_pending",
            "schedule": float(env_int("DELIVER_PENDING_EVERY_SECONDS", 60)),
            "options": {"expire_seconds": 55},
        },
        # The status link e-mailed to each sender of the public concern form.
        "deliver-concern-receipts": {
            "task": "roundtable.meetings.tasks.deliver_concern_receipts",
            "schedule": 60.0,
            "options": {"expire_seconds": 55},
        },
        # Retention (RETENTION_DAYS) and the sweep of orphaned attachment files, at night.
        "purge-expired": {
            "task": "issues.tasks.purge_expired",
            "schedule": crontab(minute=30, hour=3),
            "options": {"expire_seconds": 6 * 3600},
        },
        # Background jobs (large exports): web requests queue them; this runs them.
        "run-queued-jobs": {
            "task": "roundtable.jobs.tasks.run_queued_jobs",
            "schedule": float(env_int("JOBS_POLL_SECONDS", 5)),
            # A tick that waited longer than its period is replaced by the next one.
            "options": {"expire_seconds": max(1, env_int("JOBS_POLL_SECONDS", 5) - 1)},
        },
        # Export files of background jobs past JOB_FILES_KEEP_HOURS.
        "purge-expired-jobs": {
            "task": "roundtable.jobs.tasks.purge_expired_jobs",
            "schedule": crontab(minute=15, hour=4),
            "options": {"expire_seconds": 6 * 3600},
        },
        "deliver-webhooks": {  # webhooks' retries, and deliveries whose message was lost
            "task": "roundtable.webhooks.tasks.deliver_due",
            "schedule": float(env_int("WEBHOOKS_EVERY_SECONDS", 60)),
            "options": {"expire_seconds": 55},
        },
        # Policy notices: sending one queues this at once; the tick takes retries, claims left by
        # a dead worker and notices sent while the broker was down (roundtable/notices/delivery.py).
        "deliver-notices": {
            "task": "roundtable.notices.tasks.deliver_notices",
            "schedule": float(env_int("DELIVER_PENDING_EVERY_SECONDS", 60)),
            "options": {"expire_seconds": 55},
        },
        "sweep-orphan-files": {
            "task": "issues.tasks.sweep_orphan_files",
            "schedule": crontab(minute=45, hour=3),
            "options": {"expire_seconds": 6 * 3600},
        },
    }
