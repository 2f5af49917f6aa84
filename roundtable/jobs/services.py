"""Start, run and expire jobs.

``job_start`` checks the limits (JOBS_PER_USER, JOBS_TOTAL) and creates the queued job.
``job_run_next`` (the body of beat's ``run-queued-jobs`` tick, ``tasks.run_queued_jobs``)
claims the oldest queued job and runs its builder as the owner, in the owner's language, into a
temporary file beside the final one, renamed when complete: a download never sees half a
file. ``jobs_purge_expired`` deletes files past JOB_FILES_KEEP_HOURS and gives up jobs that
a dead worker left behind.
"""

import logging
import os
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from roundtable.jobs import registry
from roundtable.jobs.models import Job

logger = logging.getLogger(__name__)

# A job still queued or running after this long was lost (the task's hard limit is an
# hour): it no longer counts against the limits, and the purge marks it failed.
STALE_AFTER = timedelta(hours=2)
PROGRESS_EVERY_SECONDS = 1.0
FOLDER = "jobs"


class JobRefused(Exception):
    """Too many jobs are running; ``message`` says so in the reader's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def files_root() -> Path:
    return Path(settings.MEDIA_ROOT) / FOLDER


def job_file(job: Job) -> Path | None:
    return Path(settings.MEDIA_ROOT) / job.file_path if job.file_path else None


def _active(now: datetime):
    return Job.objects.filter(status__in=Job.ACTIVE, created_at__gt=now - STALE_AFTER)


def job_start(*, owner, kind: str, params: dict) -> Job:
    """A new queued job of ``kind`` for ``owner``; raises ``JobRefused`` past the limits."""
    spec = registry.kind(kind)
    with transaction.atomic():
        # Serialises the owner's own starts, so two quick clicks cannot both pass the check.
        get_user_model().objects.select_for_update().filter(pk=owner.pk).first()
        now = timezone.now()
        mine = _active(now).filter(owner=owner).count()
        if mine >= settings.JOBS_PER_USER:
            raise JobRefused(
                ngettext(
                    "You already have %(count)d export being prepared. Wait until it is "
                    "finished, then start another.",
                    "You already have %(count)d exports being prepared. Wait until one of them "
                    "is finished, then start another.",
                    mine,
                )
                % {"count": mine}
            )
        if _active(now).count() >= settings.JOBS_TOTAL:
            raise JobRefused(
                _(
                    "The server is preparing as many exports as it can right now. "
                    "Try again in a few minutes."
                )
            )
        job = Job.objects.create(
            owner=owner,
            kind=kind,
            params=params,
            language=translation.get_language() or settings.LANGUAGE_CODE,
            filename=spec.filename(params),
            content_type=spec.content_type,
        )
    return job


class _Progress:
    """Stores a job's progress, at most once every PROGRESS_EVERY_SECONDS (and at the end)."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        moment = time.monotonic()
        if moment - self._last < PROGRESS_EVERY_SECONDS and done != total:
            return
        self._last = moment
        Job.objects.filter(pk=self.job_id).update(progress_done=done, progress_total=total)


def job_run_next() -> Job | None:
    """Claim the oldest queued job and run it; None when nothing is queued. Web requests only
    write the queued row (they never talk to the broker); the worker's ``run_queued_jobs``,
    ticked by beat, comes here. A claim is one conditional UPDATE, so two workers never run
    the same job."""
    queued = Job.objects.filter(status=Job.Status.QUEUED).order_by("created_at", "pk")
    for pk in queued.values_list("pk", flat=True)[:10]:
        claimed = Job.objects.filter(pk=pk, status=Job.Status.QUEUED).update(
            status=Job.Status.RUNNING, started_at=timezone.now()
        )
        if claimed:
            return _execute(pk)
    return None


def _execute(job_id: int) -> Job:
    job = Job.objects.select_related("owner").get(pk=job_id)
    spec = registry.kind(job.kind)
    root = files_root()
    root.mkdir(parents=True, exist_ok=True)
    suffix = Path(job.filename).suffix
    final = root / f"{job.pk}-{os.urandom(8).hex()}{suffix}"
    handle, temporary = tempfile.mkstemp(dir=root, prefix=f"{job.pk}-", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out, translation.override(job.language or None):
            spec.build(owner=job.owner, params=job.params, out=out, progress=_Progress(job.pk))
            out.flush()
            os.fsync(out.fileno())
            # As an uploaded attachment's (mkstemp makes 0600): with DOWNLOADS_VIA_NGINX,
            # nginx reads the file (README, "Running for real").
            if settings.FILE_UPLOAD_PERMISSIONS is not None:
                os.fchmod(out.fileno(), settings.FILE_UPLOAD_PERMISSIONS)
        os.replace(temporary, final)
    except Exception:
        Path(temporary).unlink(missing_ok=True)
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        return job_fail(job_id=job.pk)
    finished = timezone.now()
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.DONE,
        file_path=str(final.relative_to(Path(settings.MEDIA_ROOT))),
        size=final.stat().st_size,
        finished_at=finished,
        expires_at=finished + timedelta(hours=settings.JOB_FILES_KEEP_HOURS),
    )
    job.refresh_from_db()
    if job.progress_total and job.progress_done != job.progress_total:
        Job.objects.filter(pk=job.pk).update(progress_done=job.progress_total)
        job.progress_done = job.progress_total
    return job


def job_fail(*, job_id: int) -> Job:
    """Mark a job that has not finished as failed (its builder raised, or it could not be
    queued); the owner's page says so and the job no longer counts against the limits."""
    Job.objects.filter(pk=job_id, status__in=Job.ACTIVE).update(
        status=Job.Status.FAILED, finished_at=timezone.now()
    )
    return Job.objects.get(pk=job_id)


@dataclass
class PurgeReport:
    expired: int = 0
    files: int = 0
    abandoned: int = 0

    def summary(self) -> str:
        return (
            f"jobs: {self.expired} expired, {self.files} files deleted, {self.abandoned} abandoned"
        )


def jobs_purge_expired(*, now: datetime | None = None) -> PurgeReport:
    """Delete the files of finished jobs past ``expires_at`` and mark them expired; mark jobs
    a lost worker left queued or running as failed; delete leftover temporary files."""
    now = now or timezone.now()
    report = PurgeReport()
    for job in Job.objects.filter(status=Job.Status.DONE, expires_at__lte=now).iterator():
        path = job_file(job)
        if path is not None and path.exists():
            path.unlink()
            report.files += 1
        report.expired += Job.objects.filter(pk=job.pk, status=Job.Status.DONE).update(
            status=Job.Status.EXPIRED, file_path="", size=0
        )
    report.abandoned = Job.objects.filter(
        status__in=Job.ACTIVE, created_at__lte=now - STALE_AFTER
    ).update(status=Job.Status.FAILED, finished_at=now)
    root = files_root()
    if root.is_dir():
        for part in root.glob("*.part"):
            if part.stat().st_mtime < (now - STALE_AFTER).timestamp():
                part.unlink(missing_ok=True)
                report.files += 1
    return report
