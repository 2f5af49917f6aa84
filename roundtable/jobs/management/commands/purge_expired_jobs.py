from django.core.management.base import BaseCommand

from roundtable.jobs import services


class Command(BaseCommand):
    help = (
        "Delete the files of background jobs older than JOB_FILES_KEEP_HOURS and mark those "
        "jobs expired; mark jobs a lost worker left queued or running as failed. The same "
        "service as the nightly task."
    )

    def handle(self, *args, **options):
        self.stdout.write(services.jobs_purge_expired().summary())
