"""The roundtable page, the meetings calendar, a meeting's page with its intake, agenda,
attendance, minutes and list (清单), service visits and the calendar feed.

Views check access (roundtable/meetings/access.py), bind a form, call a service and redirect;
on an error they re-render the bound form so nothing typed is lost.
"""

import calendar as pycalendar
import re
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)

from departments.models import Department, DepartmentMembership
from issues import views_deadlines
from issues.exports import XLSX_CONTENT_TYPE, content_disposition, ledger_rows, stream_xlsx
from issues.models import ActionUpdate, Assignment, Issue
from issues.querysets import due_soon_until, is_due_soon, is_overdue
from roundtable.accounts import roles, submissions
from roundtable.lib import params
from roundtable.lib.i18n import prefers_chinese
from roundtable.lib.periods import quarter_number as _quarter_of
from roundtable.lib.periods import quarter_start as _quarter_start
from roundtable.meetings import access, feeds, services
from roundtable.meetings.forms import (
    AgreedPointForm,
    AttendanceForm,
    CancelForm,
    ConsultForm,
    IntakeItemForm,
    IntakeOpenForm,
    IntakeStatusForm,
    MeetingForm,
    MinutesForm,
    ReplyForm,
    RoundtableForm,
    SeatAddForm,
    SeatChangeForm,
    SeatEndForm,
    VisitForm,
)
from roundtable.meetings.models import (
    CalendarFeed,
    IntakeConsultation,
    IntakeItem,
    Meeting,
    Roundtable,
    RoundtableSeat,
)
from roundtable.workdays import services as workdays

Seat = RoundtableSeat.Role


def _refused(form, exc: services.MeetingRefused) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, str(exc))


def _form_page(request, form, *, title, submit, meeting=None, back=None, intro="", status=None):
    """One small form on a page of its own; 400 when it comes back with errors."""
    if status is None:
        status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "meetings/form_page.html",
        {
            "form": form,
            "title": title,
            "submit": submit,
            "meeting": meeting,
            "back": back or (reverse("meetings:detail", args=[meeting.pk]) if meeting else ""),
            "intro": intro,
        },
        status=status,
    )


# --- The roundtable -----------------------------------------------------------------------


ROLE_ORDER = [
    Seat.CHAIR,
    Seat.DEPUTY_CHAIR,
    Seat.LEADING_DEPARTMENT,
    Seat.MEMBER_DEPARTMENT,
    Seat.SAFEGUARD_TEAM,
    Seat.SECRETARIAT,
]


@login_required
@require_GET
def roundtable(request):
    """Who sits at the table, whom to call in each department, and who held which seat
    when. Open to every signed-in user."""
    today = timezone.localdate()
    rt = Roundtable.objects.select_related("leading_department").order_by("pk").first()
    seats = []
    if rt is not None:
        seats = list(
            rt.seats.select_related("user", "department").order_by("role", "started_on", "pk")
        )
    current = [
        s for s in seats if s.started_on <= today and (s.ended_on is None or s.ended_on >= today)
    ]
    upcoming = [s for s in seats if s.started_on > today]
    past = sorted(
        (s for s in seats if s.ended_on is not None and s.ended_on < today),
        key=lambda s: (s.ended_on, s.pk),
        reverse=True,
    )
    by_role = {role: [s for s in current if s.role == role] for role in ROLE_ORDER}
    member_ids = {s.department_id for s in current if s.department_id}
    people = {}
    for m in (
        DepartmentMembership.objects.current(on=today)
        .filter(department_id__in=member_ids)
        .select_related("user")
        .order_by("department_id", "role", "user__full_name")
    ):
        people.setdefault(m.department_id, {"head": [], "liaison": []})[m.role].append(m)
    members = [
        {"seat": s, "department": s.department, **people.get(s.department_id, {})}
        for s in sorted(
            by_role[Seat.MEMBER_DEPARTMENT], key=lambda s: s.department.code if s.department else ""
        )
    ]
    leading = by_role[Seat.LEADING_DEPARTMENT]
    return render(
        request,
        "meetings/roundtable.html",
        {
            "roundtable": rt,
            "chairs": by_role[Seat.CHAIR],
            "deputies": by_role[Seat.DEPUTY_CHAIR],
            "leading": [
                {"seat": s, "department": s.department, **people.get(s.department_id, {})}
                for s in leading
            ],
            "members": members,
            "safeguard": by_role[Seat.SAFEGUARD_TEAM],
            "secretariat": by_role[Seat.SECRETARIAT],
            "upcoming": upcoming,
            "past": past,
            "can_edit": access.can_edit_roundtable(request.user),
            "show_mobile": access.sees_mobile_numbers(request.user),
            "today": today,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def roundtable_edit(request):
    access.check(access.can_edit_roundtable(request.user))
    rt = Roundtable.objects.order_by("pk").first()
    form = RoundtableForm(request.POST or None, instance=rt)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in services.ROUNDTABLE_FIELDS}
        services.roundtable_save(actor=request.user, roundtable=rt, **fields)
        messages.success(request, _("The roundtable was saved."))
        return redirect("meetings:roundtable")
    if rt is not None:
        rt.refresh_from_db()
    return _form_page(
        request,
        form,
        title=_("Edit the roundtable") if rt else _("Set up the roundtable"),
        submit=_("Save"),
        back=reverse("meetings:roundtable"),
    )


def _roundtable_or_404() -> Roundtable:
    rt = Roundtable.objects.order_by("pk").first()
    if rt is None:
        raise Http404
    return rt


@login_required
@require_http_methods(["GET", "POST"])
def seat_new(request):
    access.check(access.can_edit_roundtable(request.user))
    rt = _roundtable_or_404()
    form = SeatAddForm(request.POST or None, initial={"role": request.GET.get("role", "")})
    if request.method == "POST" and form.is_valid():
        try:
            services.seat_add(actor=request.user, roundtable=rt, **form.cleaned_data)
        except services.MeetingRefused as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("The seat was added."))
            return redirect("meetings:roundtable")
    return _form_page(
        request,
        form,
        title=_("Add a seat"),
        submit=_("Add"),
        back=reverse("meetings:roundtable"),
        intro=_(
            "A new chairperson or leading department takes over an existing seat: use "
            "“Hand over” next to it, so the roundtable keeps who held it when."
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def seat_change(request, pk):
    access.check(access.can_edit_roundtable(request.user))
    seat = access.seat_or_404(pk)
    form = SeatChangeForm(request.POST or None, seat=seat)
    if request.method == "POST" and form.is_valid():
        try:
            services.seat_change(
                actor=request.user,
                seat=seat,
                changed_on=form.cleaned_data["changed_on"],
                user=form.cleaned_data.get("user"),
                department=form.cleaned_data.get("department"),
            )
        except services.MeetingRefused as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("The seat was handed over; the former holder is kept."))
            return redirect("meetings:roundtable")
    return _form_page(
        request,
        form,
        title=_("Hand over: %(seat)s") % {"seat": seat},
        submit=_("Hand over"),
        back=reverse("meetings:roundtable"),
        intro=_(
            "The current holder's seat ends the day before; the new holder's starts on "
            "the day you give."
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def seat_end(request, pk):
    access.check(access.can_edit_roundtable(request.user))
    seat = access.seat_or_404(pk)
    form = SeatEndForm(request.POST or None, initial={"ended_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.seat_end(actor=request.user, seat=seat, ended_on=form.cleaned_data["ended_on"])
        except services.MeetingRefused as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("The seat was ended; its record is kept."))
            return redirect("meetings:roundtable")
    return _form_page(
        request,
        form,
        title=_("End: %(seat)s") % {"seat": seat},
        submit=_("End the seat"),
        back=reverse("meetings:roundtable"),
    )


# --- The calendar -------------------------------------------------------------------------


MONTH_RE = re.compile(r"^([0-9]{4})-([0-9]{2})$")
QUARTER_RE = re.compile(r"^([0-9]{4})-Q([1-4])$")


def _add_months(day: date, n: int) -> date:
    index = day.year * 12 + day.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _period(request, today):
    """(view, first day, day after the last, label, previous param, next param). Any
    malformed or implausible parameter falls back to this month: never a 500."""
    view = "quarter" if request.GET.get("view") == "quarter" else "month"
    if view == "quarter":
        match = QUARTER_RE.match(request.GET.get("quarter", ""))
        year, quarter = (
            (int(match[1]), int(match[2])) if match else (today.year, _quarter_of(today))
        )
        if not 2000 <= year <= today.year + 10:
            year, quarter = today.year, _quarter_of(today)
        start = _quarter_start(year, quarter)
        end = _add_months(start, 3)
        prev_start, next_start = _add_months(start, -3), end
        return {
            "view": view,
            "start": start,
            "end": end,
            "year": year,
            "quarter": quarter,
            "label": _("Q%(q)d %(year)d") % {"q": quarter, "year": year},
            "prev": f"view=quarter&quarter={prev_start.year}-Q{_quarter_of(prev_start)}",
            "next": f"view=quarter&quarter={next_start.year}-Q{_quarter_of(next_start)}",
            "other": f"view=month&month={start:%Y-%m}",
        }
    match = MONTH_RE.match(request.GET.get("month", ""))
    start = today.replace(day=1)
    if match and 1 <= int(match[2]) <= 12 and 2000 <= int(match[1]) <= today.year + 10:
        start = date(int(match[1]), int(match[2]), 1)
    end = _add_months(start, 1)
    return {
        "view": view,
        "start": start,
        "end": end,
        "year": start.year,
        "quarter": _quarter_of(start),
        "label": start.strftime("%Y-%m"),
        "prev": f"view=month&month={_add_months(start, -1):%Y-%m}",
        "next": f"view=month&month={end:%Y-%m}",
        "other": f"view=quarter&quarter={start.year}-Q{_quarter_of(start)}",
    }


def _quarters_without_roundtable(year: int, today: date):
    """The four quarters of ``year`` with their planned or held roundtables (cancelled ones
    do not count), in one query; a quarter with none is flagged."""
    bounds = [
        (_aware(_quarter_start(year, q)), _aware(_add_months(_quarter_start(year, q), 3)))
        for q in range(1, 5)
    ]
    counts = (
        Meeting.objects.roundtables()
        .not_cancelled()
        .aggregate(
            **{
                f"q{q}": Count("pk", filter=Q(starts_at__gte=lo, starts_at__lt=hi))
                for q, (lo, hi) in enumerate(bounds, start=1)
            }
        )
    )
    rows = []
    for q in range(1, 5):
        start = _quarter_start(year, q)
        past = _add_months(start, 3) <= today
        rows.append(
            {
                "quarter": q,
                "count": counts[f"q{q}"],
                "past": past,
                "param": f"view=quarter&quarter={year}-Q{q}",
                "current": start <= today < _add_months(start, 3),
            }
        )
    return rows


KIND_CHOICES = Meeting.Kind.choices


@login_required
@require_GET
def meeting_list(request):
    """Meetings by month or quarter. Each user sees the meetings they may open; commerce
    staff and the chair's office also see which quarters have no roundtable planned."""
    user = request.user
    today = timezone.localdate()
    period = _period(request, today)
    kind = request.GET.get("kind", "")
    if kind not in Meeting.Kind.values:
        kind = ""
    qs = (
        Meeting.objects.visible_to(user)
        .filter(starts_at__gte=_aware(period["start"]), starts_at__lt=_aware(period["end"]))
        .order_by("starts_at", "pk")
    )
    if kind:
        qs = qs.filter(kind=kind)
    meetings = list(qs)
    # How many of each meeting's ledger issues the reader may see (the meeting's list and the
    # ledger filtered by meeting show the same ones).
    counts = (
        Issue.objects.visible_to(user)
        .filter(meeting__in=[m.pk for m in meetings])
        .count_by("meeting")
    )
    for m in meetings:
        m.issue_count = counts.get(m.pk, 0)
    by_day = {}
    for m in meetings:
        by_day.setdefault(timezone.localtime(m.starts_at).date(), []).append(m)
    context = {
        "period": period,
        "meetings": meetings,
        "kind": kind,
        "kinds": KIND_CHOICES,
        "kind_query": f"&kind={kind}" if kind else "",
        "today": today,
        "can_plan": access.can_plan(user),
        "sees_everything": access.sees_everything(user),
    }
    if period["view"] == "month":
        weeks = []
        for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(
            period["start"].year, period["start"].month
        ):
            weeks.append(
                [
                    {
                        "day": d,
                        "in_month": d.month == period["start"].month,
                        "working": workdays.is_working_day(d),
                        "today": d == today,
                        "meetings": by_day.get(d, []),
                    }
                    for d in week
                ]
            )
        context["weeks"] = weeks
        context["weekdays"] = [
            gettext_lazy("Mon"),
            gettext_lazy("Tue"),
            gettext_lazy("Wed"),
            gettext_lazy("Thu"),
            gettext_lazy("Fri"),
            gettext_lazy("Sat"),
            gettext_lazy("Sun"),
        ]
    else:
        months = []
        for i in range(3):
            first = _add_months(period["start"], i)
            months.append(
                {
                    "first": first,
                    "meetings": [
                        m for m in meetings if timezone.localtime(m.starts_at).month == first.month
                    ],
                }
            )
        context["months"] = months
    if access.sees_everything(user):
        context["quarters"] = _quarters_without_roundtable(period["year"], today)
    return render(request, "meetings/meeting_list.html", context)


# --- Planning -----------------------------------------------------------------------------


def _participant_lists(meeting: Meeting) -> dict:
    groups = {"enterprises": [], "associations": [], "departments": [], "users": []}
    for p in meeting.participants.select_related("enterprise", "association", "department", "user"):
        if p.enterprise_id:
            groups["enterprises"].append(p.enterprise)
        elif p.association_id:
            groups["associations"].append(p.association)
        elif p.department_id:
            groups["departments"].append(p.department)
        elif p.user_id:
            groups["users"].append(p.user)
    return groups


def _meeting_fields(form) -> dict:
    data = {name: form.cleaned_data.get(name) for name in services.MEETING_FIELDS}
    data["roundtable"] = data["roundtable"] or services.default_roundtable()
    for name in ("business_fields", "countries", "venue"):
        data[name] = data[name] or ""
    return data


def _participants(form) -> dict:
    return {
        name: list(form.cleaned_data.get(name) or [])
        for name in ("enterprises", "associations", "departments", "users")
    }


def _already_created(request, model):
    """What an earlier sending of this create form made (``accounts.submissions``); the
    caller redirects to it."""
    if request.method != "POST":
        return None
    earlier = submissions.already_created(request, model)
    if earlier is not None:
        messages.info(request, submissions.ALREADY_SUBMITTED)
    return earlier


def _created_message(request, created: bool, text) -> None:
    messages.add_message(
        request,
        messages.SUCCESS if created else messages.INFO,
        text if created else submissions.ALREADY_SUBMITTED,
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request):
    access.check(access.can_plan(request.user))
    initial = {}
    if request.GET.get("kind") in Meeting.Kind.values:
        initial["kind"] = request.GET["kind"]
    day = request.GET.get("day", "")
    if re.match(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", day):
        initial["starts_at"] = f"{day}T14:30"
    earlier = _already_created(request, Meeting)
    if earlier is not None:
        return redirect("meetings:detail", pk=earlier.pk)
    form = MeetingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = _meeting_fields(form)
        try:
            meeting, created = submissions.create_once(
                request,
                Meeting,
                lambda: services.meeting_plan(actor=request.user, **fields, **_participants(form)),
            )
        except services.MeetingRefused as exc:
            _refused(form, exc)
        else:
            _created_message(request, created, _("Meeting planned."))
            return redirect("meetings:detail", pk=meeting.pk)
    return render(
        request,
        "meetings/meeting_form.html",
        {"form": form, "creating": True},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request, pk):
    meeting = access.meeting_for_user(request.user, pk)
    access.check(access.can_edit(request.user, meeting))
    form = MeetingForm(
        request.POST or None, instance=meeting, participants=_participant_lists(meeting)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_update(
                actor=request.user, meeting=meeting, **_meeting_fields(form), **_participants(form)
            )
        except services.MeetingRefused as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("meetings:detail", pk=meeting.pk)
    return render(
        request,
        "meetings/meeting_form.html",
        {"form": form, "meeting": meeting},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_cancel(request, pk):
    meeting = access.meeting_for_user(request.user, pk)
    access.check(access.can_edit(request.user, meeting))
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_cancel(
                actor=request.user, meeting=meeting, reason=form.cleaned_data["reason"]
            )
        except services.MeetingRefused as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("The meeting was cancelled."))
            return redirect("meetings:detail", pk=meeting.pk)
    return _form_page(
        request,
        form,
        title=_("Cancel the meeting"),
        submit=_("Cancel the meeting"),
        meeting=meeting,
    )


# --- A meeting's page ---------------------------------------------------------------------


def _short(text: str | None, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis (the truncatechars filter, at a
    fraction of its cost for a hundred rows)."""
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _person(full_name, first_name, last_name, username) -> str:
    """What ``User.__str__`` shows, from the columns alone."""
    return full_name or f"{first_name} {last_name}".strip() or username


def meeting_issues(meeting: Meeting, user):
    """The meeting's list (清单): its issues the user may read, each with its lead and
    co-handling departments and its latest progress. A fixed number of queries.

    Rows are plain objects built from ``values()``: a list of 100 issues would otherwise
    build some 600 model instances (issues, enterprises, monitors, assignments and their
    departments), which was most of the page's time."""
    latest = ActionUpdate.objects.filter(
        issue=OuterRef("pk"), kind=ActionUpdate.Kind.PROGRESS
    ).order_by("-created_at", "-id")
    rows = list(
        Issue.objects.visible_to(user)
        .filter(meeting=meeting)
        .annotate(
            latest_progress=Subquery(latest.values("body")[:1]),
            latest_progress_at=Subquery(latest.values("created_at")[:1]),
        )
        .order_by("year", "sequence")
        .values(
            "pk",
            "reference",
            "title",
            "follow_up_requirement",
            "status",
            "deadline",
            "enterprise__name_zh",
            "enterprise__name_en",
            "monitor__full_name",
            "monitor__first_name",
            "monitor__last_name",
            "monitor__username",
            "latest_progress",
            "latest_progress_at",
        )
    )
    departments = {}
    by_issue = {}
    if rows:
        for issue_id, role, dept_id, name_zh, name_en in (
            Assignment.objects.current()
            .filter(issue_id__in=[r["pk"] for r in rows])
            .order_by("issue_id", "id")
            .values_list(
                "issue_id", "role", "department_id", "department__name_zh", "department__name_en"
            )
        ):
            if dept_id not in departments:
                departments[dept_id] = Department(pk=dept_id, name_zh=name_zh, name_en=name_en).name
            by_issue.setdefault(issue_id, []).append((role, departments[dept_id]))
    today = timezone.localdate()
    soon = due_soon_until(today)
    # Translated once, not once per row.
    labels = {value: str(label) for value, label in Issue.Status.choices}
    chinese = prefers_chinese()
    issues = []
    for r in rows:
        zh, en = r["enterprise__name_zh"], r["enterprise__name_en"]
        deadline, status = r["deadline"], r["status"]
        overdue = is_overdue(status, deadline, today)
        assigned = by_issue.get(r["pk"], [])
        issues.append(
            SimpleNamespace(
                pk=r["pk"],
                reference=r["reference"],
                title=r["title"],
                follow_up=_short(r["follow_up_requirement"], 120),
                status=status,
                status_label=labels.get(status, status),
                deadline=deadline,
                deadline_text=deadline.isoformat() if deadline else "",
                overdue=overdue,
                due_soon=is_due_soon(status, deadline, today, soon),
                enterprise_name=(zh or en) if chinese else (en or zh),
                monitor_name=_person(
                    r["monitor__full_name"],
                    r["monitor__first_name"],
                    r["monitor__last_name"],
                    r["monitor__username"],
                )
                if r["monitor__username"]
                else "",
                lead_name=next((name for role, name in assigned if role == "lead"), ""),
                co_names=[name for role, name in assigned if role == "co"],
                latest_progress=_short(r["latest_progress"], 160),
                latest_progress_day=timezone.localtime(r["latest_progress_at"]).date().isoformat()
                if r["latest_progress_at"]
                else "",
            )
        )
    summary = {
        "total": len(issues),
        "closed": sum(i.status == Issue.Status.CLOSED for i in issues),
        "concluded": sum(i.status == Issue.Status.CONCLUSION_REPORTED for i in issues),
        "overdue": sum(i.overdue for i in issues),
    }
    summary["open"] = summary["total"] - summary["closed"] - summary["concluded"]
    return issues, summary


@login_required
@require_GET
def meeting_detail(request, pk):
    user = request.user
    meeting = access.meeting_for_user(
        user, pk, queryset=Meeting.objects.select_related("roundtable", "created_by")
    )
    participants = list(
        meeting.participants.select_related("enterprise", "association", "department", "user")
    )
    groups = {"enterprise": [], "association": [], "department": [], "user": []}
    for p in participants:
        for kind in groups:
            if getattr(p, f"{kind}_id"):
                groups[kind].append(p)
    consultations = IntakeConsultation.objects.select_related("department", "replied_by")
    items = list(
        IntakeItem.objects.visible_to(user)
        .filter(meeting=meeting)
        .select_related("enterprise", "category", "issue", "recorded_by")
        .prefetch_related("departments", Prefetch("consultations", queryset=consultations))
        .order_by("agenda_order", "created_at", "pk")
    )
    agenda = sorted(
        (i for i in items if i.status == IntakeItem.Status.ON_AGENDA),
        key=lambda i: (i.agenda_order or 0, i.pk),
    )
    my_depts = roles.department_ids(user)
    can_edit = access.can_edit(user, meeting)
    for item in items:
        for c in item.consultations.all():
            c.can_reply = can_edit or c.department_id in my_depts
    issues, summary = meeting_issues(meeting, user)
    return render(
        request,
        "meetings/meeting_detail.html",
        {
            "meeting": meeting,
            "groups": groups,
            "participant_count": len(participants),
            "items": items,
            "agenda": agenda,
            "issues": issues,
            "summary": summary,
            "can_edit": can_edit,
            # Attendance is recorded from the day of the meeting on (the service refuses
            # earlier), so the button appears then.
            "can_hold": can_edit
            and meeting.is_open
            and timezone.localtime(meeting.starts_at).date() <= timezone.localdate(),
            "status_form": IntakeStatusForm(),
            "Status": Meeting.Status,
            "ItemStatus": IntakeItem.Status,
        },
    )


@login_required
@require_GET
def export_xlsx(request, pk):
    """The meeting's list as .xlsx: the ledger's columns, only the rows the user may read."""
    meeting = access.meeting_for_user(request.user, pk)
    qs = Issue.objects.visible_to(request.user).filter(meeting=meeting).order_by("year", "sequence")
    local = timezone.localtime(meeting.starts_at)
    response = StreamingHttpResponse(
        stream_xlsx(ledger_rows(qs), title=_("List %(day)s") % {"day": f"{local:%Y-%m-%d}"}),
        content_type=XLSX_CONTENT_TYPE,
    )
    response["Content-Disposition"] = content_disposition(
        f"meeting-{meeting.pk}-list-{local:%Y-%m-%d}.xlsx"
    )
    return response


# --- Intake -------------------------------------------------------------------------------


def _editable_meeting(request, pk) -> Meeting:
    meeting = access.meeting_for_user(request.user, pk)
    access.check(access.can_edit(request.user, meeting))
    return meeting


@login_required
@require_http_methods(["GET", "POST"])
def intake_open(request, pk):
    meeting = _editable_meeting(request, pk)
    form = IntakeOpenForm(request.POST or None, initial={"closes_on": meeting.intake_closes_on})
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_open_intake(
                actor=request.user, meeting=meeting, closes_on=form.cleaned_data["closes_on"]
            )
        except services.MeetingRefused as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("Intake is open: record the enterprises' concerns."))
            return redirect("meetings:detail", pk=meeting.pk)
    return _form_page(
        request, form, title=_("Open the intake"), submit=_("Open intake"), meeting=meeting
    )


@login_required
@require_http_methods(["GET", "POST"])
def intake_new(request, pk):
    meeting = _editable_meeting(request, pk)
    intake = reverse("meetings:detail", args=[meeting.pk]) + "#intake"
    if _already_created(request, IntakeItem) is not None:
        return redirect(intake)
    form = IntakeItemForm(request.POST or None, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        try:
            _item, created = submissions.create_once(
                request,
                IntakeItem,
                lambda: services.intake_item_record(
                    actor=request.user, meeting=meeting, **form.cleaned_data
                ),
            )
        except services.MeetingRefused as exc:
            _refused(form, exc)
        else:
            _created_message(request, created, _("Concern recorded."))
            if created and request.POST.get("then") == "another":
                return redirect("meetings:intake_new", pk=meeting.pk)
            return redirect(intake)
    return render(
        request,
        "meetings/intake_form.html",
        {"form": form, "meeting": meeting},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_POST
def intake_status(request, pk, item_pk):
    meeting = _editable_meeting(request, pk)
    item = access.intake_item_for_user(request.user, meeting, item_pk)
    form = IntakeStatusForm(request.POST)
    if form.is_valid():
        try:
            services.intake_item_set_status(
                actor=request.user, item=item, status=form.cleaned_data["status"]
            )
        except services.MeetingRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Intake item updated."))
    else:
        messages.error(request, _("Choose a status."))
    return redirect(reverse("meetings:detail", args=[meeting.pk]) + "#intake")


@login_required
@require_http_methods(["GET", "POST"])
def intake_consult(request, pk, item_pk):
    meeting = _editable_meeting(request, pk)
    item = access.intake_item_for_user(request.user, meeting, item_pk)
    form = ConsultForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.intake_consult(actor=request.user, item=item, **form.cleaned_data)
        except services.MeetingRefused as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("Sent to the department for advance consultation."))
            return redirect(reverse("meetings:detail", args=[meeting.pk]) + "#intake")
    return _form_page(
        request,
        form,
        title=_("Consult a department in advance"),
        submit=_("Send"),
        meeting=meeting,
        intro=f"{item.enterprise.name}: {item.text}",
    )


@login_required
@require_http_methods(["GET", "POST"])
def consultation_reply(request, pk, consultation_pk):
    meeting = access.meeting_for_user(request.user, pk)
    consultation = access.consultation_for_user(request.user, meeting, consultation_pk)
    access.check(access.can_reply(request.user, consultation))
    form = ReplyForm(request.POST or None, initial={"reply": consultation.reply})
    if request.method == "POST" and form.is_valid():
        try:
            services.consultation_reply(
                actor=request.user, consultation=consultation, reply=form.cleaned_data["reply"]
            )
        except services.MeetingRefused as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("Reply recorded."))
            return redirect(reverse("meetings:detail", args=[meeting.pk]) + "#intake")
    intro = f"{consultation.item.enterprise.name}: {consultation.item.text}"
    if consultation.question:
        intro += "\n\n" + _("Question: %(q)s") % {"q": consultation.question}
    return _form_page(
        request,
        form,
        title=_("Reply for %(dept)s") % {"dept": consultation.department.name},
        submit=_("Record the reply"),
        meeting=meeting,
        intro=intro,
    )


@login_required
@require_http_methods(["GET", "POST"])
def agenda(request, pk):
    """Build the agenda from intake: a position for each item to discuss, blank for the
    rest. Works as a plain form: parallel ``item`` and ``position`` fields."""
    meeting = _editable_meeting(request, pk)
    items = list(
        meeting.intake_items.select_related("enterprise", "category").order_by(
            "agenda_order", "created_at", "pk"
        )
    )
    errors = []
    if request.method == "POST":
        ids = request.POST.getlist("item")
        positions = request.POST.getlist("position")
        by_pk = {str(i.pk): i for i in items}
        chosen = []
        for raw_id, raw_position in zip(ids, positions, strict=False):
            raw_position = raw_position.strip()
            if not raw_position:
                continue
            position = params.parse_int(raw_position, min_value=1, max_value=999)
            if raw_id not in by_pk or position is None:
                errors.append(_("Positions are whole numbers from 1 to 999."))
                continue
            chosen.append((position, by_pk[raw_id].created_at, by_pk[raw_id]))
        if not errors:
            order = [item for _p, _c, item in sorted(chosen, key=lambda t: (t[0], t[1]))]
            try:
                services.agenda_set(actor=request.user, meeting=meeting, items=order)
            except services.MeetingRefused as exc:
                errors.append(str(exc))
            else:
                messages.success(request, _("Agenda saved."))
                return redirect(reverse("meetings:detail", args=[meeting.pk]) + "#agenda")
        typed = dict(zip(ids, positions, strict=False))
        for item in items:
            item.typed_position = typed.get(str(item.pk), "")
    else:
        for item in items:
            item.typed_position = item.agenda_order or ""
    return render(
        request,
        "meetings/agenda_form.html",
        {"meeting": meeting, "items": items, "errors": errors},
        status=400 if errors else 200,
    )


# --- Holding it ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def attendance(request, pk):
    meeting = _editable_meeting(request, pk)
    form = AttendanceForm(request.POST or None, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_record_attendance(
                actor=request.user, meeting=meeting, present=form.cleaned_data["attended"]
            )
        except services.MeetingRefused as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("Attendance recorded: the meeting is held."))
            return redirect("meetings:detail", pk=meeting.pk)
    return _form_page(
        request,
        form,
        title=_("Attendance"),
        submit=_("Record attendance"),
        meeting=meeting,
        intro=_("Tick who was present. Saving marks the meeting as held."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def minutes(request, pk):
    meeting = _editable_meeting(request, pk)
    form = MinutesForm(request.POST or None, initial={"minutes": meeting.minutes})
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_record_minutes(
                actor=request.user,
                meeting=meeting,
                minutes=form.cleaned_data["minutes"],
                publish=form.cleaned_data["publish"],
            )
        except services.MeetingRefused as exc:
            _refused(form, exc)
        else:
            messages.success(
                request,
                _("Minutes published.") if form.cleaned_data["publish"] else _("Minutes saved."),
            )
            return redirect("meetings:detail", pk=meeting.pk)
    return _form_page(
        request, form, title=_("Minutes"), submit=_("Save the minutes"), meeting=meeting
    )


@login_required
@require_http_methods(["GET", "POST"])
def point_new(request, pk):
    """One agreed point → one ledger issue, assigned in the same step."""
    meeting = _editable_meeting(request, pk)
    initial = {}
    item_pk = params.get_id(request.GET, "item")
    if item_pk:
        item = meeting.intake_items.filter(pk=item_pk, issue__isnull=True).first()
        if item is not None:
            initial = {
                "intake_item": item.pk,
                "enterprise": item.enterprise_id,
                "title": item.text[:200],
                "category": item.category_id,
            }
    points = reverse("meetings:detail", args=[meeting.pk]) + "#list"
    if _already_created(request, Issue) is not None:
        return redirect(points)
    form = AgreedPointForm(request.POST or None, meeting=meeting, initial=initial)
    previewing = views_deadlines.previewing(request)
    if request.method == "POST" and not previewing and form.is_valid():
        data = form.cleaned_data
        try:
            issue, created = submissions.create_once(
                request,
                Issue,
                lambda: services.agreed_point_to_issue(
                    actor=request.user,
                    meeting=meeting,
                    title=data["title"],
                    description=data["description"],
                    enterprise=data["enterprise"],
                    other_enterprises=data["other_enterprises"],
                    category=data["category"],
                    lead_department=data["lead_department"],
                    co_departments=data["co_departments"],
                    deadline=data["deadline"],
                    follow_up_requirement=data["follow_up_requirement"],
                    monitor=data["monitor"],
                    priority=data["priority"],
                    intake_item=data["intake_item"],
                ),
            )
        except services.MeetingRefused as exc:
            _refused(form, exc)
        else:
            if not created:
                messages.info(request, submissions.ALREADY_SUBMITTED)
                return redirect(points)
            for warning in form.deadline_warnings():
                messages.warning(request, warning)
            messages.success(
                request, _("%(ref)s is on the ledger and assigned.") % {"ref": issue.reference}
            )
            if request.POST.get("then") == "another":
                return redirect("meetings:point_new", pk=meeting.pk)
            return redirect(points)
    return render(
        request,
        "meetings/point_form.html",
        {"form": form, "meeting": meeting, "previewing": previewing},
        status=400 if form.is_bound and not previewing else 200,
    )


# --- Service visits -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def visit_new(request):
    access.check(access.can_plan(request.user))
    earlier = _already_created(request, Meeting)
    if earlier is not None:
        return redirect("meetings:detail", pk=earlier.pk)
    form = VisitForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            visit, created = submissions.create_once(
                request,
                Meeting,
                lambda: services.service_visit_record(
                    actor=request.user,
                    enterprises=list(data["enterprises"]),
                    starts_at=data["starts_at"],
                    topic=data["topic"],
                    notes=data["notes"],
                    venue=data["venue"],
                    people=list(data["users"]),
                    departments=list(data["departments"]),
                    issues_raised=form.issue_lines(),
                    category=data["category"],
                ),
            )
        except services.MeetingRefused as exc:
            _refused(form, exc)
        else:
            if not created:
                messages.info(request, submissions.ALREADY_SUBMITTED)
                return redirect("meetings:detail", pk=visit.pk)
            logged = visit.issues.count()
            messages.success(
                request,
                _("Visit recorded.")
                + (
                    " "
                    + ngettext("%(n)d issue logged.", "%(n)d issues logged.", logged)
                    % {"n": logged}
                    if logged
                    else ""
                ),
            )
            if request.POST.get("then") == "another":
                return redirect("meetings:visit_new")
            return redirect("meetings:detail", pk=visit.pk)
    return render(
        request, "meetings/visit_form.html", {"form": form}, status=400 if form.is_bound else 200
    )


# --- Calendar feed ------------------------------------------------------------------------

FEED_READ_RECORD_EVERY = timedelta(hours=1)
FEED_CONTENT_TYPE = "text/calendar; charset=utf-8"


@require_safe
def feed(request, token):
    """A user's private iCalendar feed. No sign-in: the 256-bit token is the credential.
    Unknown and revoked tokens, and tokens of deactivated users, answer 404 (to HEAD too).

    GET streams every event (feeds.calendar_chunks); HEAD answers with the same headers and
    no body, without reading the events, and does not count as a read."""
    subscription = feeds.active_feed(token)
    if subscription is None:
        raise Http404
    if request.method == "HEAD":
        response = HttpResponse(content_type=FEED_CONTENT_TYPE)
    else:
        now = timezone.now()
        if (
            subscription.last_read_at is None
            or now - subscription.last_read_at > FEED_READ_RECORD_EVERY
        ):
            CalendarFeed.objects.filter(pk=subscription.pk).update(last_read_at=now)
        response = StreamingHttpResponse(
            feeds.calendar_chunks(subscription.user, now=now), content_type=FEED_CONTENT_TYPE
        )
    response["Content-Disposition"] = content_disposition("roundtable.ics", disposition="inline")
    response["Cache-Control"] = "private, no-cache"
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def feed_settings(request):
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            services.feed_token_create(actor=request.user)
            messages.success(
                request,
                _("Your calendar address is ready. Any earlier address no longer works."),
            )
        elif action == "revoke":
            if services.feed_token_revoke(actor=request.user):
                messages.success(request, _("Your calendar address no longer works."))
        else:
            messages.error(request, _("Unknown action."))
            return redirect("meetings:feed_settings")
        return redirect("meetings:feed_settings")
    subscription = CalendarFeed.objects.filter(user=request.user).first()
    url = ""
    if subscription is not None and subscription.is_active:
        url = request.build_absolute_uri(reverse("meetings:feed", args=[subscription.token]))
    return render(
        request, "meetings/feed_settings.html", {"subscription": subscription, "feed_url": url}
    )
