"""A job's page (progress, then the download link), its polled partial and the download.
Only the owner sees a job: anyone else gets a 404, as for an issue they may not see."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_safe

from roundtable.jobs import registry, services
from roundtable.jobs.models import Job
from roundtable.lib.downloads import ranged_file_response

LISTED = 20


def _own_job(request, pk: int) -> Job:
    return get_object_or_404(Job, pk=pk, owner=request.user)


def _context(job: Job) -> dict:
    try:
        title = registry.kind(job.kind).title
    except KeyError:
        title = job.kind
    return {"job": job, "title": title}


def start(request, *, kind: str, params: dict, back: str):
    """For the owning app's view: start a job and go to its page, or say why not (429) with a
    link ``back`` to the page the reader came from."""
    try:
        job = services.job_start(owner=request.user, kind=kind, params=params)
    except services.JobRefused as refusal:
        context = {"message": refusal.message, "back": back}
        return render(request, "jobs/refused.html", context, status=429)
    # Queued, not sent: the worker's run_queued_jobs (beat, every JOBS_POLL_SECONDS) picks
    # it up, so a request never waits on the broker and a broker outage only delays the job.
    return redirect("jobs:detail", pk=job.pk)


def too_large(queryset) -> bool:
    """Whether ``queryset`` has more rows than a request builds (EXPORT_IMMEDIATE_MAX_ROWS);
    it counts no further than that."""
    limit = settings.EXPORT_IMMEDIATE_MAX_ROWS
    return queryset.values_list("pk", flat=True)[: limit + 1].count() > limit


def offer(request, *, count: int, label: str, back: str):
    """The page that offers to prepare a large export: a form that posts the same address
    and query, which the owning app's view answers with ``start``."""
    context = {
        "count": count,
        "limit": settings.EXPORT_IMMEDIATE_MAX_ROWS,
        "label": label,
        "query": request.GET.urlencode(),
        "back": back,
    }
    return render(request, "jobs/offer.html", context)


@login_required
@require_GET
def mine(request):
    """The reader's recent jobs, newest first, so that one left running can be found again."""
    jobs = [_context(job) for job in Job.objects.filter(owner=request.user)[:LISTED]]
    return render(request, "jobs/list.html", {"jobs": jobs})


@login_required
@require_GET
def detail(request, pk: int):
    return render(request, "jobs/detail.html", _context(_own_job(request, pk)))


@login_required
@require_GET
def progress(request, pk: int):
    """The part of the job page that htmx asks for every two seconds while the job runs."""
    return render(request, "jobs/partials/progress.html", _context(_own_job(request, pk)))


@login_required
@require_safe
def download(request, pk: int):
    job = _own_job(request, pk)
    path = services.job_file(job)
    if job.status != Job.Status.DONE or path is None or not path.is_file():
        raise Http404
    return ranged_file_response(request, path, filename=job.filename, content_type=job.content_type)
