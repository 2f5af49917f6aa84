"""Pre-meeting intake, consultations, the agenda, attendance, minutes and agreed points."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from issues import views_deadlines
from issues.models import Issue
from roundtable.accounts import submissions
from roundtable.lib import params
from roundtable.meetings import access, services
from roundtable.meetings.forms import (
    AgreedPointForm,
    AttendanceForm,
    ConsultForm,
    IntakeItemForm,
    IntakeOpenForm,
    IntakeStatusForm,
    MinutesForm,
    ReplyForm,
)
from roundtable.meetings.models import IntakeItem
from roundtable.meetings.views.common import (
    _already_created,
    _created_message,
    _editable_meeting,
    _form_page,
    _refused,
)

# --- Intake -------------------------------------------------------------------------------


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
    previewing = views_deadlines.previewing(request, form)
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
