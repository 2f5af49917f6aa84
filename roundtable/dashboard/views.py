from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from issues.models import Assignment, ExtensionRequest, Issue
from roundtable.accounts import roles
from roundtable.dashboard.models import Heartbeat
from roundtable.workdays import services as workdays
from roundtable.workdays.models import CalendarYear

# Background processes the administrator's page always lists (Heartbeat.name), seen or not.
# The worker records "worker" every minute when beat asks it to (dashboard.tasks), so one row
# proves that both run.
EXPECTED_PROCESSES = {"worker": _("Background worker")}
# A heartbeat older than this is shown as a warning: the worker or beat has probably stopped.
HEARTBEAT_STALE_AFTER = timedelta(minutes=10)


def _heartbeats(now):
    rows = {hb.name: hb for hb in Heartbeat.objects.all()}
    names = list(EXPECTED_PROCESSES) + sorted(set(rows) - set(EXPECTED_PROCESSES))
    result = []
    for name in names:
        hb = rows.get(name)
        seen_at = hb.seen_at if hb else None
        result.append(
            {
                "name": name,
                "label": EXPECTED_PROCESSES.get(name, name),
                "seen_at": seen_at,
                "detail": hb.detail if hb else "",
                "stale": seen_at is None or now - seen_at > HEARTBEAT_STALE_AFTER,
            }
        )
    return result


def _ledger_links(*, monitor_id=None):
    """Links from the headline cards to the ledger, filtered the same way (issues/filters.py),
    so that every figure opens the issues behind it. Empty until the ledger exists."""
    try:
        url = reverse("issues:ledger")
    except NoReverseMatch:
        return {}
    Status = Issue.Status
    open_statuses = [s for s in Status.values if s != Status.CLOSED]
    filters = {
        "open": [("status", s) for s in open_statuses],
        "overdue": [("overdue", "1")],
        "due_soon": [("due_within", settings.ROUNDTABLE["DUE_SOON_WORKING_DAYS"])],
        "awaiting_assignment": [("status", Status.LOGGED), ("status", Status.RETURNED)],
        "awaiting_verification": [("status", Status.CONCLUSION_REPORTED)],
    }
    extra = [("monitor", monitor_id)] if monitor_id else []
    return {name: f"{url}?{urlencode(params + extra)}" for name, params in filters.items()}


def _url_or_empty(name):
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


HEADINGS = {
    "chair": _("Chairperson's overview"),
    "staff": _("Commerce staff workbench"),
    "department": _("Department workbench"),
    "monitor": _("My supervision"),
    "administrator": _("Administration"),
    "none": _("Welcome"),
}


def _primary_role(user, context) -> str:
    """The user's main role, which the page heading names (a user may hold several)."""
    if roles.is_chair(user):
        return "chair"
    if roles.is_commerce_staff(user):
        return "staff"
    if "department" in context:
        return "department"
    if "monitoring" in context:
        return "monitor"
    if roles.is_administrator(user):
        return "administrator"
    return "none"


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
            **_ledger_counts(
                Issue.objects.visible_to(user).filter(assignments__in=mine).distinct(),
                today,
                due_soon_until,
            ),
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
            CalendarYear.objects.filter(
                published=True, year__in=[today.year, next_year]
            ).values_list("year", flat=True)
        )
        context["calendar"] = {
            "this_year": today.year,
            "this_year_published": today.year in published,
            "next_year": next_year,
            "next_year_published": next_year in published,
            "show_next_year_warning": today.month >= 11 and next_year not in published,
        }
        context["heartbeats"] = _heartbeats(timezone.now())
    context["roles"] = roles.role_labels(user)
    context["primary_role"] = _primary_role(user, context)
    context["heading"] = HEADINGS[context["primary_role"]]
    if "district" in context:
        context["district_links"] = _ledger_links()
    if "department" in context:
        context["my_department_url"] = _url_or_empty("issues:my_department")
    if "monitoring" in context:
        context["monitoring_links"] = _ledger_links(monitor_id=user.pk)
        context["supervision_url"] = _url_or_empty("issues:supervision")
    context["recent_since"] = today - timedelta(days=7)
    return render(request, "dashboard/home.html", context)
