"""The enterprise side's roundtables: the meetings its enterprises are invited to, the
registration of who attends, and the published summaries of past ones."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from roundtable.lib import params
from roundtable.meetings import services
from roundtable.portal import selectors
from roundtable.portal.access import contact_required, enterprise_ids
from roundtable.portal.forms import attendee_formset


@contact_required
@require_GET
def meeting_list(request):
    ids = enterprise_ids(request)
    return render(
        request,
        "portal/meeting_list.html",
        {
            "upcoming": selectors.upcoming(ids, timezone.now()),
            "published": selectors.published(ids),
        },
    )


def _meeting(request, pk):
    meeting, places = selectors.meeting_for_contact(enterprise_ids(request), pk)
    if meeting is None:
        raise Http404
    return meeting, places


def _page(request, meeting, places, *, status=200, bound=None):
    for place in places:
        place.open = services.registration_open(place)
        place.formset = bound if bound is not None and bound.prefix == f"p{place.pk}" else None
        if place.formset is None:
            place.formset = attendee_formset(place)
    shows_summary = meeting.status == meeting.Status.MINUTES_PUBLISHED
    return render(
        request,
        "portal/meeting_detail.html",
        {"meeting": meeting, "places": places, "shows_summary": shows_summary},
        status=status,
    )


@contact_required
@require_GET
def meeting_detail(request, pk):
    meeting, places = _meeting(request, pk)
    return _page(request, meeting, places)


@contact_required
@require_POST
def meeting_register(request, pk):
    meeting, places = _meeting(request, pk)
    place_id = params.get_id(request.POST, "participant")
    place = next((p for p in places if p.pk == place_id), None)
    if place is None:
        raise Http404
    formset = attendee_formset(place, request.POST)
    if not formset.is_valid():
        return _page(request, meeting, places, status=400, bound=formset)
    people = [form.cleaned_data for form in formset.forms if form.cleaned_data.get("name")]
    try:
        services.attendees_register(actor=request.user, participant=place, attendees=people)
    except services.MeetingRefused as exc:
        messages.error(request, str(exc))
        return _page(request, meeting, places, status=409, bound=formset)
    if people:
        messages.success(request, _("Registration saved."))
    else:
        messages.success(request, _("Registration withdrawn."))
    return redirect("portal:meeting", pk=meeting.pk)
