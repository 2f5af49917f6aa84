"""The private calendar feed and its settings page."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from issues.exports import content_disposition
from roundtable.meetings import feeds, services
from roundtable.meetings.models import CalendarFeed

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
