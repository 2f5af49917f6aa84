"""What the meetings views share: a one-form page, refusals shown on the form, the
second sending of a create form, and a meeting the user may edit."""

from django.contrib import messages
from django.shortcuts import render
from django.urls import reverse

from roundtable.accounts import submissions
from roundtable.meetings import access, services
from roundtable.meetings.models import Meeting, RoundtableSeat

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


def _editable_meeting(request, pk) -> Meeting:
    meeting = access.meeting_for_user(request.user, pk)
    access.check(access.can_edit(request.user, meeting))
    return meeting
