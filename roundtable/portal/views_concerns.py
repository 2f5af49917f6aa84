"""Concerns on the enterprise side: a contact raises one and follows their enterprises'
concerns; anyone without an account sends one through the public form and follows it with
the status link e-mailed to them.

The public form is throttled per address and per e-mail (429), asks a question signed by the
server (``roundtable.lib.challenge``, no outside service, no script), and ignores what a
script fills into the field people do not see. The status page answers the same 404 for a
wrong token as for an unknown one, and shows nothing of any other concern.
"""

import logging

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from issues.attachments import attachment_response
from roundtable.accounts import roles, throttle
from roundtable.lib import params
from roundtable.lib.client_ip import client_ip
from roundtable.meetings.models import IntakeAttachment, IntakeItem
from roundtable.meetings.services import MeetingRefused
from roundtable.meetings.services import concerns as services
from roundtable.portal import access
from roundtable.portal.concern_forms import ContactConcernForm, PublicConcernForm
from roundtable.portal.concern_labels import status_label

logger = logging.getLogger(__name__)


def _for_reader(items):
    for item in items:
        item.status_shown = status_label(item)
    return items


# --- A signed-in contact ----------------------------------------------------------------------


@access.contact_required
@require_GET
def concern_list(request):
    items = list(
        IntakeItem.objects.raised_for(access.enterprise_ids(request))
        .select_related("enterprise", "category", "issue")
        .prefetch_related("attachments")
        .order_by("-created_at", "-pk")[:200]
    )
    return render(request, "portal/concerns/list.html", {"items": _for_reader(items)})


@access.contact_required
@require_http_methods(["GET", "POST"])
def concern_new(request):
    enterprises = request.portal_enterprises
    form = ContactConcernForm(request.POST or None, request.FILES or None, enterprises=enterprises)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.concern_raise(
                actor=request.user,
                enterprise=data["enterprise"],
                text=data["text"],
                category=data["category"],
                may_discuss=data["may_discuss"],
                files=data["files"],
            )
        except MeetingRefused as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        except ValidationError as exc:
            form.add_error("files", exc)
        else:
            messages.success(request, _("Your concern was sent to the commerce staff."))
            return redirect("portal:concerns")
    return render(
        request,
        "portal/concerns/new.html",
        {"form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


@access.contact_required
@require_GET
def concern_file(request, pk, file_pk):
    pk, file_pk = params.parse_id(str(pk)), params.parse_id(str(file_pk))
    try:
        attachment = IntakeAttachment.objects.get(
            pk=file_pk,
            item_id=pk,
            item__in=IntakeItem.objects.raised_for(access.enterprise_ids(request)),
        )
    except IntakeAttachment.DoesNotExist:
        raise Http404 from None
    return attachment_response(attachment)


# --- The public form --------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def concern_public(request):
    if roles.is_enterprise_contact(request.user) and access.contact_enterprises(request.user):
        return redirect("portal:concern_new")
    form = PublicConcernForm(request.POST or None)
    if request.method == "POST":
        address = client_ip(request)
        if not throttle.concern_form_address_allowed(address=address):
            return _throttled(request, form, address)
        if form.is_bot:
            logger.warning("public concern form: honeypot filled from %s", address)
            return redirect("portal:concern_sent")
        if form.is_valid():
            data = form.cleaned_data
            if not throttle.concern_form_email_allowed(email=data["email"]):
                return _throttled(request, form, address)
            services.concern_submit_public(
                credit_code=data["credit_code"],
                company=data["company"],
                name=data["name"],
                email=data["email"],
                text=data["text"],
                category=data["category"],
                language=translation.get_language() or "en",
            )
            return redirect("portal:concern_sent")
    return render(
        request,
        "portal/concerns/public.html",
        {"form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


def _throttled(request, form, address):
    logger.warning("public concern form throttled: address=%s", address)
    return render(
        request, "portal/concerns/public.html", {"form": form, "throttled": True}, status=429
    )


@require_GET
def concern_sent(request):
    return render(request, "portal/concerns/sent.html")


@never_cache
@require_GET
def concern_status(request, token):
    item = services.concern_for_token(token)
    if item is None:
        raise Http404
    item.status_shown = status_label(item)
    return render(request, "portal/concerns/status.html", {"item": item})
