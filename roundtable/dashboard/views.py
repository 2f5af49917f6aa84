from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import render
from django.utils import timezone

from issues.models import Assignment, ExtensionRequest, Issue
from roundtable.accounts import roles
from roundtable.workdays import services as workdays
from roundtable.workdays.models import CalendarYear


def _ledger_counts(qs, today, due_soon_until):
    """Headline counts for a set of issues, in one query."""
    Status = Issue.Status
    active = ~Q(status__in=[Status.CLOSED, Status.CONCLUSION_REPORTED])
    return qs.aggregate(
        open=Count("pk", filter=~Q(status=Status.CLOSED)),
        overdue=Count("pk", filter=active & Q(deadline__lt=today)),
        due_soon=Count("pk", filter=active & Q(deadline__gte=today, deadline__lte=due_soon_until)),
        awaiting_assignment=Count("pk", filter=Q(status__in=[Status.LOGGED, Status.RETURNED])),
        awaiting_verification=Count("pk", filter=Q(status=Status.CONCLUSION_REPORTED)),
    )


@login_required
def home(request):
    """The landing page: what needs this user's attention, by role."""
    user = request.user
    today = timezone.localdate()
    from django.conf import settings

    due_soon_until = workdays.add_working_days(today, settings.ROUNDTABLE["DUE_SOON_WORKING_DAYS"])
    context = {"today": today, "due_soon_until": due_soon_until, "sections": []}

    if roles.can_read_all_issues(user):
        context["district"] = _ledger_counts(Issue.objects.all(), today, due_soon_until)
    if roles.is_commerce_staff(user):
        context["pending_extensions"] = ExtensionRequest.objects.filter(
            status=ExtensionRequest.Status.PENDING
        ).count()
    dept_ids = roles.department_ids(user)
    if dept_ids:
        mine = Assignment.objects.current().filter(department_id__in=dept_ids)
        context["department"] = {
            **_ledger_counts(Issue.objects.visible_to(user).filter(
                assignments__in=mine).distinct(), today, due_soon_until),
            "awaiting_acceptance": mine.filter(status=Assignment.Status.PENDING).count(),
        }
        from departments.models import Department

        context["my_departments"] = list(Department.objects.filter(pk__in=dept_ids))
    monitored = Issue.objects.filter(monitor=user)
    if monitored.exists():
        context["monitoring"] = _ledger_counts(monitored, today, due_soon_until)
    if roles.is_administrator(user):
        next_year = today.year + 1
        published = set(
            CalendarYear.objects.filter(published=True, year__in=[today.year, next_year])
            .values_list("year", flat=True)
        )
        context["calendar"] = {
            "this_year": today.year,
            "this_year_published": today.year in published,
            "next_year": next_year,
            "next_year_published": next_year in published,
            "show_next_year_warning": today.month >= 11 and next_year not in published,
        }
    context["roles"] = roles.role_labels(user)
    context["recent_since"] = today - timedelta(days=7)
    return render(request, "dashboard/home.html", context)
