"""The staff's intake queue: enterprises' concerns (raised by a contact, sent through the
public form, or recorded by staff) waiting for a decision, and the decisions themselves."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from issues.attachments import attachment_response
from roundtable.lib import params
from roundtable.meetings import access
from roundtable.meetings.concern_forms import (
    ConcernAcceptForm,
    ConcernAnswerForm,
    ConcernAttachForm,
    ConcernMatchForm,
    ConcernMergeForm,
)
from roundtable.meetings.models import IntakeItem
from roundtable.meetings.services import MeetingRefused
from roundtable.meetings.services import concerns as services
from roundtable.meetings.views.common import _form_page, _refused

# The queue's views: what each shows.
SHOWS = {
    "undecided": gettext_lazy("Waiting for a decision"),
    "unverified": gettext_lazy("Unverified (public form)"),
    "decided": gettext_lazy("Decided"),
    "all": gettext_lazy("All"),
}


def _queue(show: str):
    items = IntakeItem.objects.select_related(
        "enterprise", "category", "meeting", "issue", "raised_by", "sender"
    ).order_by("-created_at", "-pk")
    if show == "undecided":
        return items.undecided()
    if show == "unverified":
        return items.filter(verified=False)
    if show == "decided":
        return items.exclude(status__in=IntakeItem.UNDECIDED)
    return items


@login_required
@require_GET
def concern_queue(request):
    access.check(access.can_read_queue(request.user))
    show = params.get_text(request.GET, "show", "undecided")
    if show not in SHOWS:
        show = "undecided"
    page = Paginator(_queue(show), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "meetings/concern_queue.html",
        {"page": page, "show": show, "shows": SHOWS, "can_decide": access.can_edit(request.user)},
    )


@login_required
@require_GET
def concern_detail(request, pk):
    item = access.queue_item_for_user(request.user, pk)
    return render(
        request,
        "meetings/concern_detail.html",
        {
            "item": item,
            "files": list(item.attachments.all()),
            "can_decide": access.can_edit(request.user),
            "candidates": services.match_candidates(item) if not item.verified else [],
        },
    )


@login_required
@require_GET
def concern_file(request, pk, file_pk):
    item = access.queue_item_for_user(request.user, pk)
    return attachment_response(access.item_file_or_404(item, file_pk))


def _decision(request, pk, *, form_class, title, submit, act, done, needs_item=False, **kw):
    """A decision's page: the form, the service, back to the concern with a message."""
    item = access.queue_item_for_user(request.user, pk)
    access.check(access.can_edit(request.user))
    extra = {"item": item} if needs_item else {}
    form = form_class(request.POST or None, **extra, **kw)
    if request.method == "POST" and form.is_valid():
        try:
            act(item, form.cleaned_data)
        except MeetingRefused as exc:
            _refused(form, exc)
        else:
            messages.success(request, done)
            return redirect("meetings:concern", pk=item.pk)
    return _form_page(
        request,
        form,
        title=title,
        submit=submit,
        back=reverse("meetings:concern", args=[item.pk]),
        intro=f"{item.enterprise.name if item.enterprise else item.sender.company}: {item.text}",
    )


@login_required
@require_http_methods(["GET", "POST"])
def concern_accept(request, pk):
    def act(item, data):
        services.intake_item_accept(actor=request.user, item=item, **data)

    return _decision(
        request,
        pk,
        form_class=ConcernAcceptForm,
        needs_item=True,
        title=_("Accept as a ledger issue"),
        submit=_("Accept"),
        act=act,
        done=_("The concern is on the ledger: assign it from the issue's page."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def concern_attach(request, pk):
    def act(item, data):
        services.intake_item_attach(actor=request.user, item=item, **data)

    return _decision(
        request,
        pk,
        form_class=ConcernAttachForm,
        title=_("Put on a meeting's agenda"),
        submit=_("Put on the agenda"),
        act=act,
        done=_("The concern is on the meeting's agenda."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def concern_merge(request, pk):
    def act(item, data):
        services.intake_item_merge(actor=request.user, item=item, **data)

    return _decision(
        request,
        pk,
        form_class=ConcernMergeForm,
        needs_item=True,
        title=_("Merge into an existing issue"),
        submit=_("Merge"),
        act=act,
        done=_("The concern was added to the issue."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def concern_answer(request, pk):
    def act(item, data):
        services.intake_item_answer(actor=request.user, item=item, **data)

    return _decision(
        request,
        pk,
        form_class=ConcernAnswerForm,
        title=_("Answer directly"),
        submit=_("Send the answer"),
        act=act,
        done=_("The concern is answered."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def concern_match(request, pk):
    item = access.queue_item_for_user(request.user, pk)

    def act(item, data):
        services.intake_item_match(actor=request.user, item=item, enterprise=data["enterprise"])

    return _decision(
        request,
        pk,
        form_class=ConcernMatchForm,
        candidates=services.match_candidates(item),
        title=_("Match to an enterprise"),
        submit=_("Match"),
        act=act,
        done=_("The concern is matched to the enterprise."),
    )
