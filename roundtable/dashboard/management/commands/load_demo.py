import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from roundtable.dashboard import demo


class Command(BaseCommand):
    help = (
        "Load the Yuzhong District demo roundtable: departments, invented people and demo "
        f"logins (password {demo.DEMO_PASSWORD!r}), enterprises, meetings and about 150 issues. "
        "Skipped when already loaded. --issues N, --enterprises M and --users U add synthetic "
        "rows by bulk insert for load tests and benchmarks (realistic titles, descriptions, "
        "timelines and issue history rows; see roundtable/dashboard/demo/bulk.py). Refuses to "
        "run unless DEBUG is on or --force is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--issues",
            type=int,
            default=0,
            metavar="N",
            help="also add N synthetic issues (bulk insert, with timelines and history rows)",
        )
        parser.add_argument(
            "--enterprises",
            type=int,
            default=0,
            metavar="M",
            help="also add M synthetic enterprises (bulk insert, no history rows)",
        )
        parser.add_argument(
            "--users",
            type=int,
            default=0,
            metavar="U",
            help="also add U synthetic users: a few liaisons per department, some commerce "
            "staff, and enterprise contacts with portal accounts (after --enterprises)",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="run even though DEBUG is off (never on a production database)",
        )

    def handle(self, *args, issues=0, enterprises=0, users=0, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "load_demo writes invented people and demo passwords: it runs only with "
                "DEBUG=1. Use --force to load the demo into a non-DEBUG database anyway."
            )
        if issues < 0 or enterprises < 0 or users < 0:
            raise CommandError(
                "--issues, --enterprises and --users take a number of rows, 0 or more."
            )
        started = time.monotonic()
        counts = demo.load_base(out=self.stdout)
        if counts is None:
            self.stdout.write("Demo data already loaded: the base set is left as it is.")
        else:
            summary = ", ".join(f"{n} {what}" for what, n in counts.items())
            self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {summary}."))
        if enterprises:
            demo.add_enterprises(enterprises, out=self.stdout)
            self.stdout.write(self.style.SUCCESS(f"Added {enterprises} synthetic enterprises."))
        if users:
            demo.add_users(users, out=self.stdout)
            self.stdout.write(self.style.SUCCESS(f"Added {users} synthetic users."))
        if issues:
            demo.add_issues(issues, out=self.stdout)
            self.stdout.write(self.style.SUCCESS(f"Added {issues} synthetic issues."))
        self.stdout.write(f"Elapsed: {time.monotonic() - started:.1f} s")
        self.print_logins()

    def print_logins(self):
        codes = ", ".join(d.code for d in demo.DEPARTMENTS if d.code != "pnr")
        rows = [
            ("admin", "administrator (also the Django admin)"),
            ("chair", "chairperson (vice district mayor)"),
            ("deputy", "deputy chairperson"),
            ("head_com", "deputy chairperson, director of the Commission of Commerce"),
            ("staff", "commerce staff, secretariat (also staff2, staff3, staff4)"),
            ("head", "head, Planning and Natural Resources Bureau"),
            ("liaison", "liaison, Planning and Natural Resources Bureau"),
            ("head_<code>", f"head of a department; <code> is one of {codes}"),
            ("liaison_<code>", "liaison of that department"),
            ("contact_ja", "enterprise contact (Japanese), the enterprise side at /portal/"),
            ("contact_ko", "enterprise contact (Korean)"),
            ("contact_en", "enterprise contact (English)"),
            ("contact_zh", "enterprise contact (Chinese)"),
        ]
        self.stdout.write(f"\nDemo logins (password: {demo.DEMO_PASSWORD}):")
        for username, role in rows:
            self.stdout.write(f"  {username:<16} {role}")
