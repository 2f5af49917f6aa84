from django.core.management.base import BaseCommand

from issues import attachments
from roundtable.notifications import retention


class Command(BaseCommand):
    help = (
        "Delete reminder-log rows and notifications older than RETENTION_DAYS (never a row a "
        "reminder still needs to be sent once), and attachment files that no attachment names "
        "(older than ORPHAN_FILE_MIN_AGE_HOURS): the same services as the nightly tasks."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size", type=int, default=retention.BATCH_SIZE, help="rows per transaction"
        )

    def handle(self, *args, batch_size, **options):
        report = retention.expired_purge(batch_size=max(1, batch_size))
        self.stdout.write(report.summary())
        removed = attachments.orphan_files_sweep()
        self.stdout.write(f"deleted {len(removed)} orphaned attachment files")
