"""The ledger import (issues/imports/): the sample ledger's preview shows every planted
mistake on its cell, a confirmed import creates exactly the rows without errors, in the
state the ledger records, and a second import of the same file creates nothing."""

import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from issues.models import ActionUpdate, Issue
from roundtable.jobs import services as job_services
from roundtable.jobs.models import Job
from tests.issues import import_sample

pytestmark = pytest.mark.django_db

TODAY = "2026-09-29 10:00 +0800"


@pytest.fixture(autouse=True)
def _pinned():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def sample(tmp_path, db):
    import_sample.build_world()
    path = tmp_path / "县域台账 2025.xlsx"
    import_sample.write_sample(path)
    return path


def _upload(client, path):
    with open(path, "rb") as handle:
        upload = SimpleUploadedFile(path.name, handle.read())
    response = client.post(reverse("issues:import"), {"file": upload})
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"]


def _row(html: str, number: int) -> str:
    match = re.search(rf'<tr id="row-{number}" .*?</tr>', html, re.S)
    assert match, f"row {number} not in the page"
    return match.group(0)


def _cell(row_html: str, key: str) -> str:
    match = re.search(rf'<td data-column="{key}".*?</td>', row_html, re.S)
    assert match, key
    return match.group(0)


def test_the_preview_shows_each_planted_mistake_on_its_cell(client, staff, sample):
    client.force_login(staff)
    preview = _upload(client, sample)
    pages = [client.get(preview, {"page": n}).content.decode() for n in (1, 2)]
    html = "".join(pages)
    for number, (key, words, severity) in import_sample.PLANTED.items():
        cell = _cell(_row(html, number), key)
        assert words in cell, (number, key, cell)
        assert f"cell-{severity}" in cell, (number, cell)
    # The candidates: by name for a code that finds nobody, both for a code and name apart.
    assert import_sample.credit_code(7) in _cell(_row(html, 41), "credit_code")
    mismatch = _cell(_row(html, 48), "enterprise_name")
    assert import_sample.credit_code(2) in mismatch and import_sample.credit_code(5) in mismatch
    twins = _cell(_row(html, 27), "enterprise_name")
    assert import_sample.credit_code(9001) in twins and import_sample.credit_code(9002) in twins
    assert "row 160" in _row(html, 170) and "Already imported" in _row(html, 170)
    assert Issue.objects.count() == 0  # nothing written by the preview


def _expected_counts():
    errors = sum(1 for _k, _w, severity in import_sample.PLANTED.values() if severity == "error")
    created = import_sample.ROWS - errors - len(import_sample.REPEATED)
    return created, errors


def _confirm(client, preview):
    page = client.get(preview).content.decode()
    fields = dict(re.findall(r'<input type="hidden" name="(col_\w+)" value="([^"]*)"', page))
    response = client.post(preview, fields)
    assert response.status_code == 302, response.content.decode()[:2000]
    job = Job.objects.latest("pk")
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    job_services.job_run_next()  # the worker's tick
    job.refresh_from_db()
    return job


def test_a_confirmed_import_creates_exactly_the_valid_rows(client, staff, sample):
    client.force_login(staff)
    created, errors = _expected_counts()
    preview = _upload(client, sample)
    page = client.get(preview).content.decode()
    assert f"{created} rows will be imported" in page
    assert f"{errors} rows have errors" in page
    job = _confirm(client, preview)
    assert job.status == Job.Status.DONE and job.percent == 100
    assert Issue.objects.count() == created
    report = client.get(reverse("jobs:download", args=[job.pk]))
    text = b"".join(report.streaming_content).decode("utf-8-sig")
    assert text.count("Not imported") == errors
    assert text.count("Already imported, skipped") == 1
    # A row with its assignments, state, conclusion and rating, and where it came from.
    closed = Issue.objects.filter(status=Issue.Status.CLOSED).first()
    assert closed.satisfaction in ("satisfied", "basically") and closed.closed_at
    assert closed.assignments.get(role="lead").status == "done"
    assert closed.resolution.startswith("已办结")
    entry = closed.updates.get(kind=ActionUpdate.Kind.STATUS_CHANGE)
    assert re.fullmatch(r"Imported from 县域台账 2025\.xlsx, row \d+\.", entry.shown_body)
    assert closed.history.first().history_change_reason.startswith("imported from 县域台账")
    assert Issue.objects.filter(status=Issue.Status.IN_PROGRESS).exists()
    assert Issue.objects.filter(status=Issue.Status.ASSIGNED).exists()
    # The day-off deadline was a warning: that row is in, its deadline as written.
    assert Issue.objects.filter(deadline="2025-10-03").count() == 1


def test_a_second_import_of_the_same_file_creates_nothing(client, staff, sample):
    client.force_login(staff)
    _confirm(client, _upload(client, sample))
    count = Issue.objects.count()
    preview = _upload(client, sample)
    page = client.get(preview).content.decode()
    assert "0 rows will be imported" in page or "0 row will be imported" in page
    assert f"{count + 1} rows are already in the ledger" in page
    assert "Import 0" not in page  # no button to import nothing
    assert Issue.objects.count() == count
