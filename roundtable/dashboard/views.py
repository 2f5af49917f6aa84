from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from departments.models import Department
from issues import querysets
from issues.exports import XLSX_CONTENT_TYPE, content_disposition
from issues.models import Assignment, ExtensionRequest, Issue
from issues.querysets import OPEN_STATUSES, due_between, overdue_on
from roundtable.accounts import roles
from roundtable.dashboard import cache, kpis, overviews, reports, workbook
from roundtable.dashboard.jobs import QUARTERLY_REPORT
from roundtable.dashboard.models import Heartbeat, heartbeat_is_stale
from roundtable.jobs import views as jobs
from roundtable.lib import params
from roundtable.workdays import services as workdays
from roundtable.workdays.models import CalendarYear

# Background processes the administrator's page always lists (Heartbeat.name), seen or not.
# The worker records "worker" every minute when beat asks it to (dashboard.tasks), so one row
# proves that both run.
EXPECTED_PROCESSES = {"worker": _("Background worker")}


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
                "stale": heartbeat_is_stale(seen_at, now=now),
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
    """Headline counts for a set of issues, in one query. Every count is of open issues, so
    only those are read (the status index narrows a ledger of mostly closed issues)."""
    Status = Issue.Status
    return qs.filter(status__in=OPEN_STATUSES).aggregate(
        open=Count("pk"),
        overdue=Count("pk", filter=overdue_on(today)),
        due_soon=Count("pk", filter=due_between(today, due_soon_until)),
        awaiting_assignment=Count("pk", filter=Q(status__in=[Status.LOGGED, Status.RETURNED])),
        awaiting_verification=Count("pk", filter=Q(status=Status.CONCLUSION_REPORTED)),
    )


ESCALATED_SHOWN = 20


def _escalated_issues(user) -> dict:
    """The chairperson's attention list: issues escalated for being overdue by more than
    ESCALATE_AFTER_WORKING_DAYS working days (issues/escalation.py) and still being handled.
    An extension granted since the escalation takes the issue off the list. One query, over
    the issues ``user`` may read (the chair's office reads them all)."""
    from django.db.models import F, OuterRef, Subquery

    from roundtable.lib.i18n import bilingual

    lead = Assignment.objects.current().filter(issue=OuterRef("pk"), role=Assignment.Role.LEAD)
    rows = list(
        Issue.objects.visible_to(user)
        .filter(
            escalated_on__isnull=False,
            escalated_on__gt=F("deadline"),
            status__in=[Issue.Status.ASSIGNED, Issue.Status.IN_PROGRESS],
        )
        .annotate(
            lead_zh=Subquery(lead.values("department__name_zh")[:1]),
            lead_en=Subquery(lead.values("department__name_en")[:1]),
        )
        .order_by("deadline", "pk")[: ESCALATED_SHOWN + 1]
    )
    for issue in rows:
        issue.lead_name = bilingual(issue.lead_zh, issue.lead_en)
    return {"issues": rows[:ESCALATED_SHOWN], "more": len(rows) > ESCALATED_SHOWN}


@login_required
def home(request):
    """The landing page: what needs this user's attention, by role."""
    user = request.user
    today = timezone.localdate()
    due_soon_until = querysets.due_soon_until(today)
    context = {"today": today, "due_soon_until": due_soon_until, "sections": []}

    if roles.can_read_all_issues(user):
        # The whole ledger, by the ledger's own rule (every figure here counts what the
        # reader may see).
        readable = Issue.objects.visible_to(user)
        context["district"] = _ledger_counts(readable, today, due_soon_until)
    if roles.is_commerce_staff(user):
        context["pending_extensions"] = ExtensionRequest.objects.filter(
            status=ExtensionRequest.Status.PENDING
        ).count()
        context["provisional_deadlines_url"] = _url_or_empty("issues:provisional_deadlines")
    if roles.is_commerce_staff(user) or roles.is_administrator(user):
        # What a calendar edit left to do (provisional deadlines to count again).
        context["calendar_follow_ups"] = workdays.follow_ups(user)
    dept_ids = roles.department_ids(user)
    if dept_ids:
        mine = Assignment.objects.current().filter(department_id__in=dept_ids)
        context["department"] = {
            **_ledger_counts(Issue.objects.assigned_to(dept_ids), today, due_soon_until),
            "awaiting_acceptance": mine.filter(status=Assignment.Status.PENDING).count(),
        }
        from departments.models import Department

        context["my_departments"] = list(Department.objects.filter(pk__in=dept_ids))
    monitored = Issue.objects.visible_to(user).filter(monitor=user)
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
            "show_next_year_warning": workdays.next_year_missing(today, published=published),
        }
        context["heartbeats"] = _heartbeats(timezone.now())
    if roles.is_chair(user):
        context["escalated"] = _escalated_issues(user)
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


# --- The chairperson's dashboard, the department dashboard, the quarterly report ----------

PERIOD_CHOICES = 12  # quarters offered by the switcher, the current one last


def _period(request, today):
    """The period of ``?period=`` (2026Q3 or 2026), the current quarter when absent. A
    malformed value falls back to the current quarter, with a message."""
    try:
        return kpis.parse_period(request.GET.get("period"), today=today)
    except ValueError:
        messages.warning(request, _("That period was not understood: showing this quarter."))
        return kpis.current_quarter(today)


def _period_context(period, today):
    current = kpis.current_quarter(today)
    choices = kpis.quarters_ending(current, PERIOD_CHOICES)
    if period not in choices:
        choices.append(period)
    later = period.next()
    return {
        "period": period,
        "previous_period": period.previous(),
        "next_period": later if later.start <= today else None,
        "period_choices": sorted(choices, key=lambda p: p.start, reverse=True),
        "today": today,
    }


def _require_district_reader(user) -> None:
    # The chair, the deputy chairs and commerce staff; department heads and liaisons have
    # the department dashboard instead.
    if not roles.can_read_all_issues(user):
        raise PermissionDenied


# The league table's key columns, shown at first; the reader may choose others
# (``?cols=…``, the column chooser above the table).
LEAGUE_KEY_COLUMNS = ("raised", "open", "overdue", "on_time_rate", "satisfaction_rate")


def _league_columns(request, kpi_columns) -> tuple[list, bool]:
    """The KPI columns the league table shows, in page order, and whether the reader chose
    them. The chooser sends an empty ``cols`` beside the boxes, so that choosing none of the
    optional columns is a choice too; unknown keys are ignored."""
    if "cols" not in request.GET:
        return [k for k in kpi_columns if k.key in LEAGUE_KEY_COLUMNS], False
    wanted = set(request.GET.getlist("cols"))
    return [k for k in kpi_columns if k.key in wanted], True


def _league_headers(kpi_columns, sort: str, period, chosen: list[str] | None) -> list[dict]:
    """Column headers of the league table, each a link sorting by it: a second click
    reverses the order; numbers sort largest first on the first click. The columns the
    reader chose (``chosen``) stay chosen."""
    headers = []
    for key, label in [("name", _("Lead department"))] + [(k.key, k.label) for k in kpi_columns]:
        if sort == key:
            next_sort, state = f"-{key}", "ascending"
        elif sort == f"-{key}":
            next_sort, state = key, "descending"
        else:
            next_sort, state = (key if key == "name" else f"-{key}"), ""
        query = {"period": period.key, "sort": next_sort}
        if chosen is not None:
            query["cols"] = ["", *chosen]
        href = f"?{urlencode(query, doseq=True)}#league"
        headers.append({"key": key, "label": label, "href": href, "state": state})
    return headers


def _league_rows(data, period, sort, shown) -> list[dict]:
    keys = {k.key for k in shown}
    rows = reports.league_rows(data, period, sort)
    for row in rows:
        row["cells"] = [cell for cell in row["cells"] if cell["key"] in keys]
    return rows


@login_required
@require_GET
def overview(request):
    """The chairperson's dashboard: the district's KPIs for a quarter."""
    _require_district_reader(request.user)
    today = timezone.localdate()
    period = _period(request, today)
    data = overviews.overview(period, today)
    sort = request.GET.get("sort") or "name"
    if sort.lstrip("-") not in reports.LEAGUE_SORTS:
        sort = "name"
    kpi_columns = reports.kpi_list()
    shown, chose = _league_columns(request, kpi_columns)
    chosen = [k.key for k in shown] if chose else None
    can_start_study = roles.is_commerce_staff(request.user)
    # The page's body is cached as HTML with the figures it shows (``signature``: a digest of
    # each of their cached parts) and everything else it depends on; its rows are
    # built only when it is rendered (a template calls a callable; _Once computes it once).
    context = {
        **_period_context(period, today),
        "summary": _Once(reports.summary_rows, data, period),
        "kpi_columns": kpi_columns,
        "league": _Once(_league_rows, data, period, sort, shown),
        "district_cells": _Once(
            lambda: [reports.kpi_cell(k, data["district"], period) for k in shown]
        ),
        "league_headers": _Once(_league_headers, shown, sort, period, chosen),
        "league_choices": [(k.key, k.label, k in shown) for k in kpi_columns],
        "league_shown": len(shown),
        "league_key_count": len(LEAGUE_KEY_COLUMNS),
        "sort": sort,
        "trend": _Once(reports.trend_rows, data),
        "trend_svg": _Once(reports.trend_svg, data),
        "breakdowns": _Once(reports.breakdown_tables, data, period),
        "lists": _Once(reports.issue_lists, data, today),
        "recurring": _Once(reports.recurring_groups, data),
        "can_start_study": can_start_study,
        "computed_at": data["computed_at"],
        "fresh_seconds": settings.DASHBOARD_FRESH_SECONDS,
        "notice_reach": overviews.notice_reach(period),
    }
    parts = (
        data["signature"],
        period.key,
        today,
        get_language(),
        sort,
        can_start_study,
        ",".join(k.key for k in shown),
    )
    context["body"] = cache.get_or_compute(
        "overview-html",
        parts,
        lambda: render_to_string("dashboard/partials/overview_body.html", context, request),
    )
    return render(request, "dashboard/overview.html", context)


class _Once:
    """A value computed when a template first asks for it (templates call callables), and
    kept for its other uses."""

    def __init__(self, function, *args):
        self.function, self.args = function, args

    def __call__(self):
        if not hasattr(self, "value"):
            self.value = self.function(*self.args)
        return self.value


@login_required
@require_GET
def department(request):
    """A department's KPIs beside the district's: for its head and liaisons, and for the
    chair's office and commerce staff (any department)."""
    user = request.user
    mine = roles.department_ids(user)
    reads_all = roles.can_read_all_issues(user)
    if not mine and not reads_all:
        raise PermissionDenied
    choices = Department.objects.active() if reads_all else Department.objects.filter(pk__in=mine)
    wanted = params.get_id(request.GET, "department")
    if wanted:
        dept = Department.objects.filter(pk=wanted).first()
        if dept is None:
            raise Http404
        if not reads_all and dept.pk not in mine:
            raise PermissionDenied
    else:
        dept = choices.order_by("code").first()
        if dept is None:
            raise Http404
    today = timezone.localdate()
    period = _period(request, today)
    data = overviews.department_overview(period, dept.pk, today)
    previous_period = period.previous()
    rows = []
    for kpi in reports.kpi_list():
        rows.append(
            {
                "label": kpi.label,
                "department": reports.kpi_cell(
                    kpi,
                    data["figures"],
                    period,
                    department_id=dept.pk,
                    previous=data["previous"],
                    previous_period=previous_period,
                ),
                # The district's figures count issues outside a department's scope: only
                # those who read the whole ledger see them (and they link to it).
                "district": reports.kpi_cell(kpi, data["district"], period) if reads_all else None,
            }
        )
    context = {
        **_period_context(period, today),
        "department": dept,
        "department_choices": list(choices.order_by("code")),
        "rows": rows,
        "lists": reports.issue_lists(data, today, department_id=dept.pk),
        "reads_all": reads_all,
    }
    return render(request, "dashboard/department.html", context)


@login_required
@require_GET
def report(request):
    """The quarterly report as a printable page (print stylesheet in static/css/app.css)."""
    _require_district_reader(request.user)
    today = timezone.localdate()
    period = _period(request, today)
    data = overviews.overview(period, today)
    kpi_columns = reports.kpi_list()
    context = {
        **_period_context(period, today),
        "summary": reports.summary_rows(data, period),
        "kpi_columns": kpi_columns,
        "league": reports.league_rows(data, period, "name"),
        "district_cells": [reports.kpi_cell(k, data["district"], period) for k in kpi_columns],
        "trend": reports.trend_rows(data),
        "trend_svg": reports.trend_svg(data),
        "breakdowns": reports.breakdown_tables(data, period),
        "lists": reports.issue_lists(data, today),
        "computed_at": data["computed_at"],
    }
    return render(request, "dashboard/report.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def report_xlsx(request):
    """The quarterly report as an .xlsx workbook, in the reader's language; prepared by the
    worker (POST) when the quarter's ledger is too large for a request (GET offers that)."""
    _require_district_reader(request.user)
    today = timezone.localdate()
    period = _period(request, today)
    back = f"{reverse('dashboard:report')}?{urlencode({'period': period.key})}"
    if request.method == "POST":
        params = {"period": period.key}
        return jobs.start(request, kind=QUARTERLY_REPORT, params=params, back=back)
    ledger = reports.quarter_ledger(period)
    if jobs.too_large(ledger):
        return jobs.offer(request, count=ledger.count(), label=".xlsx", back=back)
    chunks = workbook.write_workbook(period, today=today)
    response = StreamingHttpResponse(chunks, content_type=XLSX_CONTENT_TYPE)
    response["Content-Length"] = str(chunks.size)
    response["Content-Disposition"] = content_disposition(workbook.report_filename(period))
    return response
