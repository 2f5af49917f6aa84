from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from roundtable.notifications import delivery, reminders


class Command(BaseCommand):
    help = (
        "Send the reminders due today (or on --date), then the pending notification e-mails "
        "and retries: the same service the Celery tasks call. Safe to run any number of times: "
        "each reminder is sent once. Nothing is sent on a day that is not a working day."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", dest="day", metavar="YYYY-MM-DD", help="run for this day instead of today"
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="list what is due without escalating, logging or sending anything",
        )

    def handle(self, *args, day=None, dry_run=False, **options):
        try:
            day = date.fromisoformat(day) if day else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--date: {exc}") from None
        report = reminders.reminders_run(day=day, dry_run=dry_run)
        if dry_run:
            for spec in sorted(report.specs, key=lambda s: (s.kind, s.subject_key, s.recipient_id)):
                self.stdout.write(
                    f"{spec.due_on}  {spec.kind:<22} {spec.subject_key:<20} "
                    f"user {spec.recipient_id:<6} {spec.reason}"
                )
            self.stdout.write(report.summary() + " (dry run: nothing written)")
            return
        self.stdout.write(report.summary())
        pending = delivery.reminders_deliver_pending()
        self.stdout.write(f"pending: {pending.summary()}")
