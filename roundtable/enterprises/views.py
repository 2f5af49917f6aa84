"""The enterprise directory, an enterprise's page, creating and editing enterprises and
contacts, and designated officials' portfolios.

Access: roundtable/enterprises/access.py. Views check access, bind a form, call a service
and redirect; on an error they re-render the bound form so nothing typed is lost.
"""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Subquery
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from roundtable.accounts import submissions
from roundtable.accounts.models import User
from roundtable.enterprises import access, services
from roundtable.enterprises.forms import (
    ContactForm,
    DirectoryFilterForm,
    EnterpriseForm,
    ReassignForm,
    apply_directory_filters,
)
from roundtable.enterprises.models import Enterprise
from roundtable.lib import params

PAGE_SIZE = 50
DETAIL_ROWS = 100
DUE_SOON_DAYS = 14


# enterprises sits below issues and meetings (README, Layers): the pages reach the issues,
# meetings and intake items that point at an enterprise through its reverse relations,
# never by importing those apps.
def _issues():
    """The ledger's issues (``Issue.objects``), through ``Enterprise.issues``."""
    return Enterprise.issues.field.model.objects


def _meetings():
    """``Meeting.objects``, through ``Enterprise.meeting_participations``."""
    return Enterprise.meeting_participations.field.model.meeting.field.related_model.objects


@login_required
@require_GET
def autocomplete(request):
    """Enterprise search for pickers: name in either language or credit code, 20 at most.
    Any signed-in user may search: enterprise names are not confidential inside the portal."""
    text = request.GET.get("q", "")[:100]
    qs = Enterprise.objects.active().search(text).order_by("name_zh")[:20]
    return JsonResponse(
        {"results": [{"id": e.pk, "text": f"{e.name} ({e.credit_code})"} for e in qs]}
    )


def _last_visit():
    visits = (
        _meetings()
        .service_visits()
        .held()
        .filter(participants__enterprise=OuterRef("pk"))
        .order_by("-starts_at")
        .values("starts_at")[:1]
    )
    return Subquery(visits)


def _with_open_issues(enterprises, reader) -> None:
    """Set ``open_issues`` on each enterprise: its open issues that ``reader`` may see in the
    ledger (raised by it), in one grouped query for all of them. (As a subquery in a page's
    own query, the database would count the issues of every row it skips as well.)"""
    counts = (
        _issues()
        .visible_to(reader)
        .open()
        .filter(enterprise_id__in=[e.pk for e in enterprises])
        .count_by("enterprise")
    )
    for e in enterprises:
        e.open_issues = counts.get(e.pk, 0)


@login_required
@require_GET
def enterprise_list(request):
    """The directory: search by name in either language or credit code, filter by country,
    industry, designated official and association. Paginated; a fixed number of queries."""
    access.check(access.can_use_directory(request.user))
    form = DirectoryFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    # name_zh is unique, so it orders the pages completely (and its index can serve them).
    qs = (
        apply_directory_filters(Enterprise.objects.visible_to(request.user), data)
        .select_related("designated_official", "service_contact")
        .order_by("name_zh")
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    _with_open_issues(page.object_list, request.user)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "enterprises/enterprise_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_create": access.can_edit(request.user),
        },
    )


def _next_visit(enterprise, last_visit, today):
    since = timezone.localtime(last_visit).date() if last_visit else None
    start = since or timezone.localtime(enterprise.created_at).date()
    due = start + timedelta(days=enterprise.visit_interval_days)
    return since, due


@login_required
@require_GET
def enterprise_detail(request, pk):
    user = request.user
    enterprise = access.enterprise_for_user(
        user,
        pk,
        queryset=Enterprise.objects.select_related("designated_official", "service_contact"),
    )
    today = timezone.localdate()
    contacts = list(enterprise.contacts.all())
    associations = list(enterprise.associations.all())
    visible_meetings = _meetings().visible_to(user).filter(pk=OuterRef("pk"))
    meetings = list(
        _meetings()
        .filter(participants__enterprise=enterprise)
        .annotate(can_open=Exists(visible_meetings))
        .order_by("-starts_at", "-pk")[:DETAIL_ROWS]
    )
    last_visit = next(
        (
            m.starts_at
            for m in meetings
            if m.is_service_visit and m.status in (m.Status.HELD, m.Status.MINUTES_PUBLISHED)
        ),
        None,
    )
    last_visit_day, next_visit = _next_visit(enterprise, last_visit, today)
    items = list(
        enterprise.intake_items.all()
        .select_related("meeting", "category", "issue")
        .order_by("-created_at", "-pk")[:DETAIL_ROWS]
    )
    issue_qs = _issues().visible_to(user).of_enterprise(enterprise.pk)
    issue_count = issue_qs.count()
    issues = list(
        issue_qs.for_rows().select_related("meeting").order_by("-raised_on", "-pk")[:DETAIL_ROWS]
    )
    for issue in issues:
        issue.overdue = issue.is_overdue(today)
    return render(
        request,
        "enterprises/enterprise_detail.html",
        {
            "enterprise": enterprise,
            "contacts": contacts,
            "associations": associations,
            "meetings": meetings,
            "items": items,
            "issues": issues,
            "issue_count": issue_count,
            "last_visit": last_visit_day,
            "next_visit": next_visit,
            "visit_due": next_visit <= today,
            "can_edit": access.can_edit(user, enterprise),
            "can_invite": access.can_invite(user, enterprise),
            "today": today,
            "ledger_url": reverse("issues:ledger") + f"?enterprise={enterprise.pk}",
            "detail_rows": DETAIL_ROWS,
        },
    )


def _enterprise_fields(form) -> dict:
    return {name: form.cleaned_data[name] for name in services.EDITABLE_FIELDS}


def _refused(form, exc: services.EnterpriseRefused) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, str(exc))


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_new(request):
    access.check(access.can_edit(request.user))
    if request.method == "POST":
        earlier = submissions.already_created(request, Enterprise)
        if earlier is not None:
            messages.info(request, submissions.ALREADY_SUBMITTED)
            return redirect("enterprises:detail", pk=earlier.pk)
    form = EnterpriseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            enterprise, created = submissions.create_once(
                request,
                Enterprise,
                lambda: services.enterprise_create(
                    actor=request.user,
                    associations=form.cleaned_data["associations"],
                    **_enterprise_fields(form),
                ),
            )
        except services.EnterpriseRefused as exc:
            _refused(form, exc)
            existing = exc.existing
        else:
            if created:
                messages.success(request, _("%(name)s registered.") % {"name": enterprise.name})
            else:
                messages.info(request, submissions.ALREADY_SUBMITTED)
            return redirect("enterprises:detail", pk=enterprise.pk)
    else:
        existing = None
    return render(
        request,
        "enterprises/enterprise_form.html",
        {"form": form, "creating": True, "existing": existing if form.is_bound else None},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_edit(request, pk):
    enterprise = access.enterprise_for_user(request.user, pk)
    access.check(access.can_edit(request.user, enterprise))
    form = EnterpriseForm(request.POST or None, instance=enterprise)
    existing = None
    if request.method == "POST" and form.is_valid():
        try:
            services.enterprise_update(
                actor=request.user,
                enterprise=enterprise,
                associations=form.cleaned_data["associations"],
                **_enterprise_fields(form),
            )
        except services.EnterpriseRefused as exc:
            _refused(form, exc)
            existing = exc.existing
        else:
            messages.success(request, _("Saved."))
            return redirect("enterprises:detail", pk=enterprise.pk)
    return render(
        request,
        "enterprises/enterprise_form.html",
        {"form": form, "enterprise": enterprise, "existing": existing},
        status=400 if form.is_bound else 200,
    )


def _contact_page(request, enterprise, contact=None):
    access.check(access.can_edit(request.user, enterprise))
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in services.CONTACT_FIELDS}
        try:
            services.contact_save(
                actor=request.user, enterprise=enterprise, contact=contact, **fields
            )
        except services.EnterpriseRefused as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("Contact saved."))
            return redirect(reverse("enterprises:detail", args=[enterprise.pk]) + "#contacts")
    if contact is not None:
        contact.refresh_from_db()
    return render(
        request,
        "enterprises/contact_form.html",
        {"form": form, "enterprise": enterprise, "contact": contact},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_new(request, pk):
    enterprise = access.enterprise_for_user(request.user, pk)
    return _contact_page(request, enterprise)


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(request, pk, contact_pk):
    enterprise = access.enterprise_for_user(request.user, pk)
    contact = access.contact_of(enterprise, contact_pk)
    return _contact_page(request, enterprise, contact)


@login_required
@require_POST
def contact_invite(request, pk, contact_pk):
    """Invite a contact to the enterprise side (/portal/) by e-mail: commerce staff or the
    enterprise's designated official."""
    enterprise = access.enterprise_for_user(request.user, pk)
    contact = access.contact_of(enterprise, contact_pk)
    access.check(access.can_invite(request.user, enterprise))
    try:
        services.contact_invite(actor=request.user, contact=contact)
    except services.EnterpriseRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("Invitation sent to %(email)s.") % {"email": contact.email.strip()}
        )
    return redirect(reverse("enterprises:detail", args=[enterprise.pk]) + "#contacts")


@login_required
@require_POST
def contact_end_access(request, pk, contact_pk):
    """End a contact's access to the enterprise on the portal (from today)."""
    enterprise = access.enterprise_for_user(request.user, pk)
    contact = access.contact_of(enterprise, contact_pk)
    access.check(access.can_invite(request.user, enterprise))
    services.contact_end_access(actor=request.user, contact=contact)
    messages.success(request, _("The contact no longer has access to the enterprise portal."))
    return redirect(reverse("enterprises:detail", args=[enterprise.pk]) + "#contacts")


# --- Designated officials -----------------------------------------------------------------


def _portfolio_rows(enterprises, today):
    rows = []
    for e in enterprises:
        last, due = _next_visit(e, e.last_visit, today)
        e.last_visit_day = last
        e.next_visit = due
        e.visit_overdue = due < today
        e.visit_due_soon = today <= due <= today + timedelta(days=DUE_SOON_DAYS)
        rows.append(e)
    rows.sort(key=lambda e: (e.next_visit, e.name_zh))
    return rows


@login_required
@require_GET
def portfolio(request):
    """A designated official's enterprises, with the last visit and when the next is due.
    Everyone sees their own; commerce staff and the chair's office may pass ``?official=``."""
    user = request.user
    official = user
    requested = params.get_id(request.GET, "official")
    if requested and requested != user.pk:
        access.check(access.can_see_all_portfolios(user))
        official = User.objects.filter(pk=requested).first()
        if official is None:
            raise Http404
    today = timezone.localdate()
    enterprises = list(
        Enterprise.objects.filter(designated_official=official)
        .annotate(last_visit=_last_visit())
        .order_by("name_zh")
    )
    # The reader's count, not the official's: staff looking at a department head's
    # portfolio see every open issue; the head sees those the ledger shows them.
    _with_open_issues(enterprises, user)
    rows = _portfolio_rows(enterprises, today)
    can_reassign = access.can_reassign(user)
    return render(
        request,
        "enterprises/portfolio.html",
        {
            "official": official,
            "own": official == user,
            "rows": rows,
            "due_count": sum(1 for r in rows if r.next_visit <= today),
            "can_reassign": can_reassign,
            "reassign_form": ReassignForm() if can_reassign else None,
            "today": today,
            "can_open": access.can_use_directory(user) or official == user,
        },
    )


@login_required
@require_GET
def portfolios(request):
    """Every designated official's portfolio in one table: how many enterprises, how many
    visits are due. Two queries whatever the number of enterprises."""
    access.check(access.can_see_all_portfolios(request.user))
    today = timezone.localdate()
    stats = {}
    for e in (
        Enterprise.objects.filter(designated_official__isnull=False, is_active=True)
        .annotate(last_visit=_last_visit())
        .only("pk", "designated_official_id", "visit_interval_days", "created_at")
    ):
        _last, due = _next_visit(e, e.last_visit, today)
        row = stats.setdefault(e.designated_official_id, {"count": 0, "due": 0, "soon": 0})
        row["count"] += 1
        row["due"] += due <= today
        row["soon"] += today < due <= today + timedelta(days=DUE_SOON_DAYS)
    officials = list(User.objects.filter(pk__in=stats).order_by("full_name", "username"))
    for official in officials:
        official.stats = stats[official.pk]
    unassigned = Enterprise.objects.filter(designated_official__isnull=True, is_active=True).count()
    return render(
        request,
        "enterprises/portfolios.html",
        {
            "officials": officials,
            "unassigned": unassigned,
            "can_reassign": access.can_reassign(request.user),
        },
    )


@login_required
@require_POST
def reassign(request):
    access.check(access.can_reassign(request.user))
    form = ReassignForm(request.POST)
    back = params.get_text(request.POST, "next")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ) or not back.startswith("/"):
        back = reverse("enterprises:portfolios")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    try:
        changed = services.enterprise_reassign_official(
            actor=request.user,
            enterprises=form.cleaned_data["enterprises"],
            official=form.cleaned_data["official"],
        )
    except services.EnterpriseRefused as exc:
        messages.error(request, str(exc))
    else:
        official = form.cleaned_data["official"]
        messages.success(
            request,
            ngettext(
                "%(n)d enterprise now with %(official)s.",
                "%(n)d enterprises now with %(official)s.",
                changed,
            )
            % {"n": changed, "official": official or _("nobody")},
        )
    return redirect(back)
