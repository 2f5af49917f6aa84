from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkdaysConfig(AppConfig):
    name = "roundtable.workdays"
    label = "workdays"
    verbose_name = _("Working-day calendar")

    def ready(self):
        from celery.signals import task_prerun
        from django.core.signals import request_started

        from roundtable.workdays import services

        # Each request and each task first checks that the calendar it counts with is
        # current, so an edit made in another process is seen at once.
        request_started.connect(services.start_of_work, dispatch_uid="workdays.start_of_work")
        task_prerun.connect(services.start_of_work, dispatch_uid="workdays.start_of_work")
