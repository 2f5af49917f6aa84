"""Large ledger exports as background jobs (roundtable/jobs/): the job builds the same
workbook as the immediate export, as its owner; only the owner sees and downloads it; the
limits refuse clearly; downloads resume with a byte range; the purge deletes old files."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from issues.jobs import LEDGER_CSV, LEDGER_XLSX
from roundtable.jobs import services
from roundtable.jobs.models import Job
from tests import factories
from tests.issues.test_exports import ledger  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def _rows(data: bytes):
    return [
        [cell.value for cell in row] for row in load_workbook(io.BytesIO(data)).active.iter_rows()
    ]


def _start(client, captured, path="/issues/export.xlsx?sort=reference", *, work=True):
    """POST the export form; then, unless ``work`` is False, the worker's beat-ticked task."""
    from roundtable.jobs.tasks import run_queued_jobs

    with captured(execute=True):
        response = client.post(path)
    assert response.status_code == 302, response.content
    job = Job.objects.get(pk=int(response["Location"].strip("/").split("/")[-1]))
    if work:
        run_queued_jobs()
    return job


@pytest.fixture
def small_limit(settings):
    settings.EXPORT_IMMEDIATE_MAX_ROWS = 2


def test_a_small_ledger_is_still_exported_at_once(client, staff, ledger):  # noqa: F811
    ledger(2)
    client.force_login(staff)
    response = client.get("/issues/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_a_large_ledger_offers_a_job_with_a_csrf_protected_form(
    client,
    staff,
    ledger,  # noqa: F811
    small_limit,
):
    ledger(3)
    client.force_login(staff)
    response = client.get("/issues/export.xlsx?sort=reference")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'method="post"' in body and "csrfmiddlewaretoken" in body
    assert 'action="?sort=reference"' in body
    assert not Job.objects.exists()


def test_the_job_builds_the_same_workbook_as_the_immediate_export(
    client,
    staff,
    ledger,  # noqa: F811
    settings,
    django_capture_on_commit_callbacks,
):
    ledger(3)
    client.force_login(staff)
    immediate = b"".join(client.get("/issues/export.xlsx?sort=reference").streaming_content)
    settings.EXPORT_IMMEDIATE_MAX_ROWS = 2
    job = _start(client, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert (job.progress_done, job.progress_total) == (3, 3)
    assert job.filename.startswith("ledger-") and job.filename.endswith(".xlsx")
    page = client.get(f"/jobs/{job.pk}/")
    assert page.status_code == 200 and f"/jobs/{job.pk}/download" in page.content.decode()
    assert "hx-trigger" not in page.content.decode()  # finished: no more polling
    response = client.get(f"/jobs/{job.pk}/download")
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    assert int(response["Content-Length"]) == len(data) == job.size
    assert response["Accept-Ranges"] == "bytes" and response["ETag"] and response["Last-Modified"]
    assert response["Content-Disposition"].startswith('attachment; filename="ledger-')
    assert _rows(data) == _rows(immediate)
    assert len(_rows(data)) == 4


def test_the_job_runs_as_its_owner(
    client,
    liaison_c,
    ledger,  # noqa: F811
    small_limit,
    django_capture_on_commit_callbacks,
):
    """LC's department handles none of these issues: their export is empty, whatever the
    filter asks, as their ledger page is."""
    ledger(3)
    client.force_login(liaison_c)
    with django_capture_on_commit_callbacks(execute=True):
        job = services.job_start(owner=liaison_c, kind=LEDGER_XLSX, params={"query": ""})
        from roundtable.jobs.tasks import run_queued_jobs

        run_queued_jobs()
    job.refresh_from_db()
    data = b"".join(client.get(f"/jobs/{job.pk}/download").streaming_content)
    assert len(_rows(data)) == 1  # the header alone


def test_progress_moves_while_the_job_runs(staff, ledger, monkeypatch):  # noqa: F811
    ledger(3)
    seen = []
    monkeypatch.setattr(services, "PROGRESS_EVERY_SECONDS", 0.0)
    original = services._Progress.__call__

    def spy(self, done, total):
        original(self, done, total)
        job = Job.objects.get(pk=self.job_id)
        seen.append((job.status, job.progress_done, job.progress_total))

    monkeypatch.setattr(services._Progress, "__call__", spy)
    job = services.job_start(owner=staff, kind=LEDGER_CSV, params={"query": ""})
    services.job_run_next()
    assert seen[0] == ("running", 0, 3)
    assert ("running", 2, 3) in seen and seen[-1] == ("running", 3, 3)
    job.refresh_from_db()
    assert job.status == "done" and job.percent == 100


def test_the_running_page_polls_its_partial(client, staff):
    job = Job.objects.create(
        owner=staff, kind=LEDGER_XLSX, filename="x.xlsx", content_type="x", progress_total=10
    )
    Job.objects.filter(pk=job.pk).update(status="running", progress_done=4)
    client.force_login(staff)
    body = client.get(f"/jobs/{job.pk}/").content.decode()
    assert f'hx-get="/jobs/{job.pk}/progress"' in body and 'hx-trigger="every 2s"' in body
    assert '<progress max="10" value="4">' in body
    partial = client.get(f"/jobs/{job.pk}/progress", HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and "<html" not in partial.content.decode()


def test_another_user_gets_404_on_the_page_and_the_download(
    client,
    staff,
    chair,
    ledger,  # noqa: F811
    small_limit,
    django_capture_on_commit_callbacks,
):
    ledger(3)
    client.force_login(staff)
    job = _start(client, django_capture_on_commit_callbacks)
    client.force_login(chair)
    for path in (f"/jobs/{job.pk}/", f"/jobs/{job.pk}/progress", f"/jobs/{job.pk}/download"):
        assert client.get(path).status_code == 404
    client.logout()
    response = client.get(f"/jobs/{job.pk}/download")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_limits_refuse_with_a_message(
    client,
    staff,
    chair,
    ledger,  # noqa: F811
    small_limit,
    settings,
):
    ledger(3)
    settings.JOBS_PER_USER = 1
    settings.JOBS_TOTAL = 2
    Job.objects.create(owner=staff, kind=LEDGER_XLSX, filename="a", content_type="x")
    client.force_login(staff)
    response = client.post("/issues/export.xlsx")
    assert response.status_code == 429
    assert "You already have 1 export being prepared" in response.content.decode()
    Job.objects.create(owner=chair, kind=LEDGER_XLSX, filename="b", content_type="x")
    client.force_login(chair)
    Job.objects.filter(owner=chair).update(status="done")
    Job.objects.create(
        owner=factories.UserFactory(), kind=LEDGER_XLSX, filename="c", content_type="x"
    )
    response = client.post("/issues/export.xlsx")
    assert response.status_code == 429
    assert "as many exports as it can" in response.content.decode()
    # A job a lost worker left behind long ago no longer counts.
    Job.objects.update(created_at=timezone.now() - timedelta(hours=3))
    assert client.post("/issues/export.xlsx").status_code == 302


def test_the_refusal_is_in_the_readers_language(client, staff, ledger, small_limit, settings):  # noqa: F811
    ledger(3)
    settings.JOBS_PER_USER = 1
    Job.objects.create(owner=staff, kind=LEDGER_XLSX, filename="a", content_type="x")
    staff.preferred_language = "zh-hans"
    staff.save()
    client.force_login(staff)
    response = client.post("/issues/export.xlsx")
    assert response.status_code == 429
    assert "已有" in response.content.decode()


@pytest.fixture
def finished(client, staff, ledger, small_limit, django_capture_on_commit_callbacks):  # noqa: F811
    ledger(3)
    client.force_login(staff)
    job = _start(client, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    whole = b"".join(client.get(f"/jobs/{job.pk}/download").streaming_content)
    return job, whole


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [("bytes=100-199", 100, 199), ("bytes=100-", 100, None), ("bytes=-50", -50, None)],
)
def test_a_range_request_resumes_the_download(client, finished, header, first, last):
    job, whole = finished
    response = client.get(f"/jobs/{job.pk}/download", HTTP_RANGE=header)
    assert response.status_code == 206
    part = b"".join(response.streaming_content)
    expected = whole[first : None if last is None else last + 1]
    assert part == expected
    start = len(whole) - len(expected) if first < 0 else first
    end = start + len(expected) - 1
    assert response["Content-Range"] == f"bytes {start}-{end}/{len(whole)}"
    assert int(response["Content-Length"]) == len(expected)


def test_a_range_past_the_end_is_416(client, finished):
    job, whole = finished
    response = client.get(f"/jobs/{job.pk}/download", HTTP_RANGE=f"bytes={len(whole)}-")
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(whole)}"


def test_if_range_is_honoured(client, finished):
    job, whole = finished
    etag = client.get(f"/jobs/{job.pk}/download")["ETag"]
    same = client.get(f"/jobs/{job.pk}/download", HTTP_RANGE="bytes=10-", HTTP_IF_RANGE=etag)
    assert same.status_code == 206
    other = client.get(
        f"/jobs/{job.pk}/download", HTTP_RANGE="bytes=10-", HTTP_IF_RANGE='"not-this-file"'
    )
    assert other.status_code == 200 and b"".join(other.streaming_content) == whole


def test_behind_nginx_the_view_checks_access_and_nginx_sends_the_file(
    client, finished, chair, settings
):
    """DOWNLOADS_VIA_NGINX: an empty answer naming the file in nginx's internal location
    (deploy/nginx/roundtable.conf), which sends it, ranges and all; no worker streams it."""
    job, whole = finished
    settings.DOWNLOADS_VIA_NGINX = True
    response = client.get(f"/jobs/{job.pk}/download", HTTP_RANGE="bytes=10-")
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == f"/_protected/{job.file_path}"
    assert response["Content-Type"] == job.content_type
    assert job.filename in response["Content-Disposition"]
    # The file is there, readable by nginx (as an attachment's is), with the workbook in it.
    path = services.job_file(job)
    assert path.read_bytes() == whole and path.stat().st_mode & 0o777 == 0o644
    # Anyone else still gets a 404, and nothing for nginx to send.
    client.force_login(chair)
    refused = client.get(f"/jobs/{job.pk}/download")
    assert refused.status_code == 404 and "X-Accel-Redirect" not in refused


def test_expired_files_are_purged(client, finished):
    job, _whole = finished
    path = services.job_file(job)
    assert path.is_file()
    assert services.jobs_purge_expired().expired == 0
    report = services.jobs_purge_expired(now=job.expires_at + timedelta(minutes=1))
    assert (report.expired, report.files) == (1, 1)
    assert not path.exists()
    job.refresh_from_db()
    assert job.status == Job.Status.EXPIRED
    assert client.get(f"/jobs/{job.pk}/download").status_code == 404
    assert "deleted after its keeping time" in client.get(f"/jobs/{job.pk}/").content.decode()


def test_a_failing_builder_marks_the_job_failed_and_leaves_no_file(staff, monkeypatch):
    from issues import jobs

    def boom(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(jobs, "build_ledger_xlsx", boom)
    jobs.register()
    try:
        job = services.job_start(owner=staff, kind=LEDGER_XLSX, params={"query": ""})
        services.job_run_next()
    finally:
        monkeypatch.undo()
        jobs.register()
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert not any(services.files_root().iterdir())


def test_starting_a_job_never_talks_to_the_broker_and_the_tick_runs_it(
    client,
    staff,
    ledger,  # noqa: F811
    small_limit,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    """A broker outage cannot fail or slow the request: the job waits, queued, and the next
    tick of run_queued_jobs after the outage runs it."""
    from celery import Celery

    def unreachable(*args, **kwargs):
        raise OSError("broker down")

    ledger(3)
    monkeypatch.setattr(Celery, "send_task", unreachable)
    client.force_login(staff)
    job = _start(client, django_capture_on_commit_callbacks, work=False)
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED
    assert "Waiting for the server" in client.get(f"/jobs/{job.pk}/").content.decode()
    monkeypatch.undo()
    from roundtable.jobs.tasks import run_queued_jobs

    assert run_queued_jobs() == "1 job(s) run"
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert run_queued_jobs() == "0 job(s) run"  # claimed once, run once


def test_head_on_the_download_gives_the_headers(client, finished):
    job, whole = finished
    response = client.head(f"/jobs/{job.pk}/download")
    assert response.status_code == 200
    assert int(response["Content-Length"]) == len(whole)


def test_the_purge_command_runs_the_same_service(finished, capsys):
    from django.core.management import call_command

    job, _whole = finished
    Job.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    call_command("purge_expired_jobs")
    assert "1 expired, 1 files deleted" in capsys.readouterr().out
    job.refresh_from_db()
    assert job.status == Job.Status.EXPIRED and not job.file_path


def test_the_list_shows_the_readers_jobs_alone(client, staff, chair):
    Job.objects.create(owner=staff, kind=LEDGER_XLSX, filename="a.xlsx", content_type="x")
    theirs = Job.objects.create(owner=chair, kind=LEDGER_CSV, filename="b.csv", content_type="x")
    client.force_login(staff)
    body = client.get("/jobs/").content.decode()
    assert "Ledger export (.xlsx)" in body and f"/jobs/{theirs.pk}/" not in body
