"""The roundtable page: its seats, its settings and who held which seat when."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from departments.models import DepartmentMembership
from roundtable.meetings import access, services
from roundtable.meetings.forms import RoundtableForm, SeatAddForm, SeatChangeForm, SeatEndForm
from roundtable.meetings.models import Roundtable
from roundtable.meetings.views.common import Seat, _form_page, _refused

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
