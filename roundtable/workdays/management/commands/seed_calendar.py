from django.core.management.base import BaseCommand
from django.db import transaction

from roundtable.workdays.models import CalendarDay, CalendarYear
from roundtable.workdays.seed import seed_from_package
from roundtable.workdays.services import calendar_changed, follow_ups


class Command(BaseCommand):
    help = (
        "Load the official days off and make-up working days from the chinese-calendar package "
        "for every year it covers. Published years are kept as they are unless --overwrite."
    )

    def add_arguments(self, parser):
        parser.add_argument("--overwrite", action="store_true")

    def handle(self, *args, overwrite=False, **options):
        with transaction.atomic():
            seeded, first, last = seed_from_package(CalendarYear, CalendarDay, overwrite=overwrite)
            if seeded:
                calendar_changed()
        self.stdout.write(f"Calendar: {seeded} year(s) seeded; the package covers {first}–{last}.")
        for item in follow_ups(None):
            self.stdout.write(str(item.text))
