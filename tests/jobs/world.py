"""A finished export job of the commerce staff's (St), for the access matrix
(tests/security/matrix_jobs.yaml)."""

from datetime import timedelta

from django.utils import timezone

from roundtable.jobs import services
from roundtable.jobs.models import Job


def build(owner) -> dict:
    root = services.files_root()
    root.mkdir(parents=True, exist_ok=True)
    (root / "matrix.csv").write_bytes(b"\xef\xbb\xbfReference\r\n")
    now = timezone.now()
    job = Job.objects.create(
        owner=owner,
        kind="ledger_csv",
        params={"query": ""},
        status=Job.Status.DONE,
        filename="ledger.csv",
        content_type="text/csv; charset=utf-8",
        file_path=f"{services.FOLDER}/matrix.csv",
        size=12,
        finished_at=now,
        expires_at=now + timedelta(hours=24),
    )
    return {"job": job.pk}
