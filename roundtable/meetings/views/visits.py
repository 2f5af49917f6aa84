"""Recording a service visit to enterprises."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from roundtable.accounts import submissions
from roundtable.meetings import access, services
from roundtable.meetings.forms import VisitForm
from roundtable.meetings.models import Meeting
from roundtable.meetings.views.common import _already_created, _refused

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
