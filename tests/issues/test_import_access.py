"""Only commerce staff import a ledger; the others are refused before a file is read, and
an upload is reachable by the one who made it alone."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from issues.imports import uploads

pytestmark = pytest.mark.django_db

CSV = "企业名称,反映问题,提出日期\n测试企业,用地问题,2026-03-02\n".encode()


@pytest.mark.parametrize("persona", ["LA", "HA", "Mo", "Ch", "Ad"])
def test_only_commerce_staff_may_upload_a_ledger(client, personas, persona, tmp_path):
    client.force_login(personas[persona])
    response = client.post(
        reverse("issues:import"), {"file": SimpleUploadedFile("ledger.csv", CSV)}
    )
    assert response.status_code == 403
    assert not (tmp_path / "media" / "imports").exists()


def test_staff_upload_is_kept_and_previewed(client, staff):
    client.force_login(staff)
    response = client.post(
        reverse("issues:import"), {"file": SimpleUploadedFile("ledger.csv", CSV)}
    )
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200


def test_another_staff_member_cannot_reach_an_upload(client, staff):
    other = type(staff).objects.create_user("staff_other", password="x")
    other.groups.set(staff.groups.all())
    token = uploads.upload_save(owner=staff, name="ledger.csv", data=CSV)
    client.force_login(other)
    preview = reverse("issues:import_preview", kwargs={"token": token})
    assert client.get(preview).status_code == 404
    assert client.post(preview, {"col_title": "1"}).status_code == 404
    client.force_login(staff)
    assert client.get(preview).status_code == 200


def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(reverse("issues:import"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_an_upload_never_imported_is_swept_after_the_job_files_keep_hours(staff, settings):
    import os
    import time

    settings.JOB_FILES_KEEP_HOURS = 24
    old = uploads.upload_save(owner=staff, name="old.csv", data=CSV)
    new = uploads.upload_save(owner=staff, name="new.csv", data=CSV)
    day_and_more = time.time() - 25 * 3600
    for path in (settings.MEDIA_ROOT / "imports").glob(f"*{old}*"):
        os.utime(path, (day_and_more, day_and_more))
    from issues.tasks import sweep_orphan_files

    assert "2 old ledger uploads" in sweep_orphan_files()
    assert uploads.upload_find(owner=staff, token=old) is None
    assert uploads.upload_find(owner=staff, token=new) is not None
