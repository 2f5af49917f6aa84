from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from roundtable.ops.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore an archive written by `manage.py backup` into this site: its database "
        "(DATABASE_URL, or the SQLite file) and MEDIA_ROOT. The site must be empty (a new "
        "database, or one just migrated, and an empty MEDIA_ROOT) unless --force, which "
        "replaces everything the site holds. Stop the web server and the workers first."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace the database and the files of a site that holds data",
        )

    def handle(self, *args, archive, force=False, **options):
        try:
            summary = backup_restore(path=Path(archive), force=force)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"restored {summary.text()}")
        if summary.missing_files:
            self.stderr.write("attachments whose file is missing:")
            for name in summary.missing_files[:50]:
                self.stderr.write(f"  {name}")
            raise CommandError(f"{len(summary.missing_files)} attachment files are missing")
