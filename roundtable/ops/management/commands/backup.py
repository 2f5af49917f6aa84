from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from roundtable.ops.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Write the whole site, the database (pg_dump custom format, or SQLite's backup API) "
        "and every file under MEDIA_ROOT, to one archive (.tar, or .tar.gz). Restore it with "
        "`manage.py restore`."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "archive",
            nargs="?",
            help="where to write it (default: roundtable-<date-time>.tar.gz in this folder)",
        )

    def handle(self, *args, archive=None, **options):
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        path = Path(archive or f"roundtable-{stamp}.tar.gz")
        if path.exists():
            raise CommandError(f"{path} exists already; give another name")
        try:
            manifest = backup_create(path=path)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"{path}: {manifest['engine']} database and {manifest['media_files']} files "
            f"({manifest['media_bytes']:,} bytes)"
        )
