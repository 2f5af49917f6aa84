"""The meetings calendar (month or quarter) and planning, editing and cancelling a meeting."""

import calendar as pycalendar
import re
from datetime import date, datetime, time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from issues.models import Issue
from roundtable.accounts import submissions
from roundtable.meetings import access, services
from roundtable.meetings.forms import CancelForm, MeetingForm
from roundtable.meetings.models import Meeting
from roundtable.meetings.views.common import (
    _already_created,
    _created_message,
    _form_page,
    _refused,
)
from roundtable.workdays import services as workdays

# --- The calendar -------------------------------------------------------------------------


MONTH_RE = re.compile(r"^([0-9]{4})-([0-9]{2})$")
QUARTER_RE = re.compile(r"^([0-9]{4})-Q([1-4])$")


def _quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def _quarter_start(year: int, quarter: int) -> date:
    return date(year, 3 * (quarter - 1) + 1, 1)


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
