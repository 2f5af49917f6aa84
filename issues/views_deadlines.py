"""Deadlines as the user typed them: the preview of the date a deadline field gives, and the
provisional deadlines to count again once their year's official calendar is published."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from issues import access, selectors, services
from issues.forms import DeadlinePreviewForm, RecountDeadlinesForm
from issues.models import Issue
from roundtable.workdays import services as workdays


def previewing(request, form) -> bool:
    """A form asking for a deadline was sent with "Show the deadline": its view shows it
    again with the date the deadline fields give and saves nothing (what the live preview
    does with JavaScript). The form is marked, so that its fields and its error summary hold
    their errors back until a real save (roundtable.lib.forms.BoundField)."""
    form.previewing = request.method == "POST" and "preview" in request.POST
    return form.previewing


@login_required
@require_GET
def deadline_preview(request):
    """The date the deadline fields give, with its warnings: the fragment that every form
    asking for a deadline swaps in as it is typed (htmx). The forms show the same fragment
    without JavaScript when their "Show the deadline" button is pressed. Input that does not
    parse is answered with the fields' errors in the fragment."""
    access.check(access.can_set_deadlines(request.user))
    form = DeadlinePreviewForm(request.GET)
    return render(
        request,
        "issues/partials/deadline_preview.html",
        {"form": form, "preview": form.deadline_preview(), "show_errors": True},
    )


@login_required
@require_http_methods(["GET", "POST"])
def provisional_deadlines(request):
    """Deadlines counted in working days across a year whose official calendar was not
    published: those whose year is published now, with the old and the new date, counted
    again in one step; and those still waiting."""
    access.check(access.can_set_deadlines(request.user))
    status = 200
    if request.method == "POST":
        form = RecountDeadlinesForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Nothing was changed: the list was not understood."))
            status = 400
        else:
            try:
                done = services.issue_deadlines_recompute(
                    actor=request.user,
                    calendar_version=form.cleaned_data["calendar_version"],
                    issue_ids=form.cleaned_data["issue_ids"],
                )
            except services.TransitionRefused as exc:
                messages.error(request, str(exc))
                status = 409
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(count)d deadline counted again.",
                        "%(count)d deadlines counted again.",
                        len(done),
                    )
                    % {"count": len(done)},
                )
                return redirect("issues:provisional_deadlines")
    listing = selectors.provisional_deadlines(Issue.objects.select_related("lead_department"))
    return render(
        request,
        "issues/provisional_deadlines.html",
        {
            "settled": listing.settled,
            "waiting": listing.waiting,
            "calendar_version": workdays.calendar_version(),
        },
        status=status,
    )
