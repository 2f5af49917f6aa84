"""The quarterly workbook as a background job when the quarter's ledger is too large for a
request: the same sheets as the immediate download, for district readers only."""

import io

import pytest
from openpyxl import load_workbook

from roundtable.dashboard.jobs import QUARTERLY_REPORT
from roundtable.jobs import services
from roundtable.jobs.models import Job
from roundtable.jobs.tasks import run_queued_jobs
from tests import factories
from tests.issues.test_exports import ledger  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def _sheets(data: bytes) -> dict:
    book = load_workbook(io.BytesIO(data))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book}


def test_a_large_quarter_is_prepared_as_a_job_with_the_same_workbook(
    client,
    chair,
    ledger,  # noqa: F811
    settings,
    django_capture_on_commit_callbacks,
):
    ledger(3)
    client.force_login(chair)
    immediate = b"".join(client.get("/dashboard/report.xlsx").streaming_content)
    settings.EXPORT_IMMEDIATE_MAX_ROWS = 2
    offer = client.get("/dashboard/report.xlsx")
    assert offer.status_code == 200 and 'method="post"' in offer.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/dashboard/report.xlsx")
    assert response.status_code == 302
    assert Job.objects.get(owner=chair).status == Job.Status.QUEUED
    run_queued_jobs()  # the worker's tick
    job = Job.objects.get(owner=chair)
    assert job.kind == QUARTERLY_REPORT and job.status == Job.Status.DONE
    assert (job.progress_done, job.progress_total) == (3, 3)
    assert job.filename.startswith("roundtable-report-")
    download = client.get(f"/jobs/{job.pk}/download")
    assert job.filename in download["Content-Disposition"]
    assert _sheets(b"".join(download.streaming_content)) == _sheets(immediate)


def test_the_quarterly_job_fails_for_an_owner_who_is_no_longer_a_district_reader(db):
    reader = factories.UserFactory(roles=["chair"])
    job = services.job_start(owner=reader, kind=QUARTERLY_REPORT, params={"period": "2026Q3"})
    reader.groups.clear()
    services.job_run_next()
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
