"""No attachment file outlives the transaction that stored it, and the nightly sweep removes
whatever escaped (issues/attachments.py)."""

import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, transaction
from django.utils import timezone

from issues import attachments
from issues.attachments import files_removed_on_rollback, orphan_files_sweep, store_attachment
from issues.models import ActionUpdate, Attachment

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"


def _files(settings):
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _upload(name="report.pdf"):
    return SimpleUploadedFile(name, PDF)


def test_a_transaction_that_fails_after_storing_takes_its_files_with_it(issue_x, staff, settings):
    with pytest.raises(RuntimeError), files_removed_on_rollback(), transaction.atomic():
        store_attachment(issue=issue_x, uploaded_file=_upload(), user=staff)
        store_attachment(issue=issue_x, uploaded_file=_upload("second.pdf"), user=staff)
        assert len(_files(settings)) == 2
        raise RuntimeError("something later in the same transaction failed")
    assert _files(settings) == []
    assert not Attachment.objects.exists()

    with files_removed_on_rollback(), transaction.atomic():
        kept = store_attachment(issue=issue_x, uploaded_file=_upload(), user=staff)
    assert [p.name for p in _files(settings)] == [Path(kept.file.name).name]


@pytest.mark.parametrize("view", ["attachment_upload", "progress"])
def test_a_request_that_fails_after_the_file_is_written_leaves_no_file(
    view, client, issue_x, staff, liaison_a, settings, monkeypatch
):
    """The upload and progress views: the file is on disk, then the database fails before the
    transaction commits. The user gets the error page; no file stays behind."""
    issue_x.assignments.update(status="accepted")
    real = attachments.store_attachment

    def store_then_fail(**kwargs):
        real(**kwargs)
        assert _files(settings), "the file was written"
        raise DatabaseError("the connection dropped before commit")

    monkeypatch.setattr("issues.views.store_attachment", store_then_fail)
    client.raise_request_exception = False
    if view == "progress":
        client.force_login(liaison_a)
        response = client.post(
            f"/issues/{issue_x.pk}/progress/", {"body": "Site visit done", "file": _upload()}
        )
    else:
        client.force_login(staff)
        response = client.post(f"/issues/{issue_x.pk}/attachments/", {"file": _upload()})
    assert response.status_code == 500
    assert _files(settings) == []
    assert not Attachment.objects.exists()
    assert not ActionUpdate.objects.filter(body="Site visit done").exists()


def _age(path: Path, hours: float) -> None:
    stamp = time.time() - hours * 3600
    os.utime(path, (stamp, stamp))


def test_the_sweep_deletes_old_files_without_a_row_and_nothing_else(issue_x, staff, settings):
    media = Path(settings.MEDIA_ROOT)
    referenced = store_attachment(issue=issue_x, uploaded_file=_upload(), user=staff)
    referenced_path = media / referenced.file.name
    _age(referenced_path, 72)
    orphan_dir = media / "attachments" / "2025" / "03"
    orphan_dir.mkdir(parents=True)
    old_orphan = orphan_dir / ("a" * 32 + ".pdf")
    young_orphan = orphan_dir / ("b" * 32 + ".pdf")
    elsewhere = media / "exports" / "keep-me.xlsx"
    elsewhere.parent.mkdir()
    for path in (old_orphan, young_orphan, elsewhere):
        path.write_bytes(PDF)
    _age(old_orphan, 25)
    _age(young_orphan, 23)  # may belong to a transaction still under way
    _age(elsewhere, 1000)

    removed = orphan_files_sweep(batch_size=1)
    assert removed == ["attachments/2025/03/" + old_orphan.name]
    assert not old_orphan.exists()
    assert referenced_path.exists() and young_orphan.exists() and elsewhere.exists()

    settings.ORPHAN_FILE_MIN_AGE_HOURS = 48
    _age(young_orphan, 47)
    assert orphan_files_sweep(now=timezone.now()) == []
    assert orphan_files_sweep(now=timezone.now() + timedelta(hours=2)) == [
        "attachments/2025/03/" + young_orphan.name
    ]


def test_the_sweep_of_an_empty_media_root_does_nothing(settings):
    assert orphan_files_sweep() == []
