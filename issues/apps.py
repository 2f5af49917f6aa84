from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IssuesConfig(AppConfig):
    name = "issues"
    verbose_name = _("Issues")

    def ready(self):
        from issues import selectors
        from roundtable.workdays import services as workdays

        # After a calendar edit, its admin pages point to the deadlines to count again.
        workdays.register_follow_up(selectors.calendar_follow_ups)

        from issues import jobs

        # Exports too large for a request run as background jobs (roundtable/jobs/).
        jobs.register()

        from issues import filters

        # The ledger filter's cached choices are dropped when a department, a category or
        # an enterprise changes.
        filters.connect_choice_signals()

        from issues.imports import running

        # The ledger import runs as a job too, its report the job's file.
        running.register()
