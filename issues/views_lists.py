"""The issue lists: the ledger (台账), My department and the monitor's supervision list."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from departments.models import Department
from issues import access
from issues.filters import filtered
from issues.links import detail_href
from issues.models import Assignment, Issue
from issues.querysets import due_between, due_soon_until, overdue_on
from roundtable.accounts import roles
from roundtable.lib.paging import CappedPaginator

PAGE_SIZE = 50
# A search counts its matches no further than this: a common word (企业) can match most of the
# ledger, and its page is found at once where an exact count would visit every match. The
# ledger then says "more than 1,000 issues" and pages on with Previous and Next.
SEARCH_COUNT_MAX = 1000
# Rows per section of My department (four sections; the heading shows "20+" when there are
# more): about 0.3 ms of template rendering per row, so 4 x 50 rows cost 60 ms.
MY_DEPARTMENT_ROWS = 25


def _ledger_queryset(user):
    return Issue.objects.visible_to(user).for_rows()


def _decorate(issues, today, soon):
    href = detail_href()
    for issue in issues:
        issue.href = href.format(issue.pk)
        issue.overdue = issue.is_overdue(today)
        issue.due_soon = issue.is_due_soon(today, soon)
    return issues


@login_required
@require_GET
def ledger(request):
    access.require_case_user(request.user)
    form, qs = filtered(_ledger_queryset(request.user), request.GET)
    today = timezone.localdate()
    cap = SEARCH_COUNT_MAX if form.is_valid() and form.cleaned_data.get("q") else None
    page = CappedPaginator(qs, PAGE_SIZE, cap=cap).get_page(request.GET.get("page"))
    _decorate(page.object_list, today, due_soon_until(today))
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = query.copy()
    sort_query.pop("sort", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "sort_query": sort_query.urlencode(),
        "sort": form.sort_in_force(),
        "can_create": roles.is_commerce_staff(request.user),
    }
    # htmx asks for the results alone when a filter, a sort or a page changes (the address
    # bar follows, so a filtered ledger stays bookmarkable); a reload or a bookmark gets the
    # page. The same queries either way, less the filter form's choices.
    partial = request.htmx.target == "ledger-results" and not request.htmx.history_restore_request
    template = "issues/partials/ledger_results.html" if partial else "issues/ledger.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


@login_required
@require_GET
def my_department(request):
    """A liaison's or head's work list: four tabs (awaiting acceptance, overdue, due soon,
    in progress) with their counts, one tab's issues at a time, most urgent first."""
    dept_ids = roles.department_ids(request.user)
    if not dept_ids:
        raise access.PermissionDenied
    today = timezone.localdate()
    soon = due_soon_until(today)
    mine = Assignment.objects.current().filter(department_id__in=dept_ids)
    # Issue.objects.visible_to would repeat this filter: these assignments are what makes
    # the issues visible to a member of these departments.
    base = Issue.objects.assigned_to(dept_ids).for_rows()
    pending = mine.filter(status=Assignment.Status.PENDING).values("issue_id")
    queries = {
        # Pending assignments are current ones of these departments: no second semi-join.
        "awaiting": Issue.objects.filter(pk__in=pending).for_rows(),
        "overdue": base.overdue(on=today),
        "due_soon": base.due_between(today, soon),
        "in_progress": base.filter(status=Issue.Status.IN_PROGRESS),
    }
    # Counting a column that is never null and in both indexes, not the id, keeps both
    # parts index-only.
    tab_counts = {
        "overdue": Count("status", filter=overdue_on(today)),
        "due_soon": Count("status", filter=due_between(today, soon)),
        "in_progress": Count("status", filter=Q(status=Issue.Status.IN_PROGRESS)),
    }
    # Issues still being handled, in two parts that each read an index: those the
    # departments lead (the issue's own lead_department) and those they only co-handle. One
    # semi-join over all their assignments took twice as long (6.7 ms against 3.2 ms for a
    # department with 9,500 assignments at 100,000 issues).
    active = Issue.objects.filter(status__in=Issue.ACTIVE_STATUSES)
    led = active.filter(lead_department_id__in=dept_ids).aggregate(**tab_counts)
    co_handled = active.filter(
        pk__in=mine.filter(role=Assignment.Role.CO_HANDLING).values("issue_id")
    )
    if len(dept_ids) > 1:
        # One of them may lead an issue that another co-handles: count it once. (A single
        # department cannot do both: one current assignment per department and issue.)
        co_handled = co_handled.exclude(lead_department_id__in=dept_ids)
    co_handled = co_handled.aggregate(**tab_counts)
    counts = {key: led[key] + co_handled[key] for key in tab_counts}
    # Counted apart: a co-handler's pending assignment can outlive the lead's conclusion.
    counts["awaiting"] = pending.order_by().values("issue_id").distinct().count()
    labels = {
        "awaiting": _("Awaiting acceptance"),
        "overdue": _("Overdue"),
        "due_soon": _("Due soon"),
        "in_progress": _("In progress"),
    }
    section = request.GET.get("section")
    if section not in queries:
        section = next((key for key in queries if counts[key]), "awaiting")
    paginator = Paginator(queries[section].order_by("deadline", "id"), MY_DEPARTMENT_ROWS)
    paginator.count = counts[section]  # already counted above: no second COUNT query
    page = paginator.get_page(request.GET.get("page"))
    _decorate(page.object_list, today, soon)
    return render(
        request,
        "issues/my_department.html",
        {
            "tabs": [(key, labels[key], counts[key]) for key in queries],
            "section": section,
            "section_label": labels[section],
            "page": page,
            "departments": Department.objects.filter(pk__in=dept_ids),
        },
    )


@login_required
@require_GET
def my_supervision(request):
    access.require_case_user(request.user)
    today = timezone.localdate()
    qs = _ledger_queryset(request.user).filter(monitor=request.user).open()
    qs = qs.order_by("deadline", "id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    _decorate(page.object_list, today, due_soon_until(today))
    return render(request, "issues/my_supervision.html", {"page": page})
