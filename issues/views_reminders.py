"""The reminder log (operators: administrators and commerce staff) and each user's own
notifications (the bell in the header): list, why you got it, mark as read."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from issues.models import Notification, ReminderLog
from issues.reminders import ReminderKind
from roundtable.accounts import roles
from roundtable.lib import params

LOG_PAGE_SIZE = 50
STATUS_TONES = {
    ReminderLog.Status.CLAIMED: "",
    ReminderLog.Status.SENT: "success",
    ReminderLog.Status.RETRY: "warning",
    ReminderLog.Status.FAILED: "danger",
    ReminderLog.Status.UNCERTAIN: "warning",
}
NOTIFICATION_PAGE_SIZE = 30


class ReminderLogFilterForm(forms.Form):
    kind = forms.ChoiceField(
        required=False, choices=[("", "—"), *ReminderKind.choices], label=gettext_lazy("Kind")
    )
    status = forms.ChoiceField(
        required=False,
        choices=[("", "—"), *ReminderLog.Status.choices],
        label=gettext_lazy("Status"),
    )
    recipient = forms.CharField(
        required=False, max_length=100, label=gettext_lazy("Recipient (name or username)")
    )
    due_from = forms.DateField(
        required=False,
        label=gettext_lazy("For the day, from"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    due_to = forms.DateField(
        required=False,
        label=gettext_lazy("to"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )


def _filtered_log(data):
    qs = ReminderLog.objects.all()
    if data.get("kind"):
        qs = qs.filter(kind=data["kind"])
    if data.get("recipient"):
        text = data["recipient"].strip()
        qs = qs.filter(
            Q(recipient__username__icontains=text)
            | Q(recipient__full_name__icontains=text)
            | Q(recipient__email__icontains=text)
        )
    if data.get("due_from"):
        qs = qs.filter(due_on__gte=data["due_from"])
    if data.get("due_to"):
        qs = qs.filter(due_on__lte=data["due_to"])
    return qs


@login_required
@require_GET
def reminder_log(request):
    """What was sent, to whom, when, delivered or failed and why. The subject of a reminder
    is named by its reference only; the issue itself opens for those who may read it."""
    user = request.user
    if not (roles.is_administrator(user) or roles.is_commerce_staff(user)):
        raise PermissionDenied
    form = ReminderLogFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    qs = _filtered_log(data)
    # Counts per status for the other filters, so each figure says what the status filter
    # would show.
    counts = dict(qs.order_by().values_list("status").annotate(n=Count("pk")))
    if data.get("status"):
        qs = qs.filter(status=data["status"])
    qs = qs.select_related("recipient", "issue", "meeting").order_by("-claimed_at", "-pk")
    page = Paginator(qs, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    by_status = query.copy()
    by_status.pop("status", None)
    prefix = f"?{by_status.urlencode()}&" if by_status else "?"
    kinds = dict(ReminderKind.choices)
    for row in page.object_list:
        row.kind_label = kinds.get(row.kind, row.kind)
    return render(
        request,
        "reminders/log.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "status_counts": [
                (label, counts.get(value, 0), f"{prefix}status={value}", STATUS_TONES[value])
                for value, label in ReminderLog.Status.choices
            ],
            "can_open_issues": roles.can_read_all_issues(user),
        },
    )


@login_required
@require_GET
def notification_list(request):
    """The signed-in user's notifications, newest first; ``?show=unread`` for unread only."""
    qs = Notification.objects.filter(recipient=request.user)
    unread = qs.unread().count()
    show_unread = request.GET.get("show") == "unread"
    if show_unread:
        qs = qs.unread()
    qs = qs.order_by("-created_at", "-pk")
    page = Paginator(qs, NOTIFICATION_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/list.html",
        {"page": page, "unread": unread, "show_unread": show_unread},
    )


def _back(request):
    target = params.get_text(request.POST, "next")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read(request, pk):
    """Mark one of the user's own notifications read (404 for anyone else's); with
    ``open`` set, go on to what it is about."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    if request.POST.get("open") and notification.url.startswith("/"):
        if url_has_allowed_host_and_scheme(
            notification.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return redirect(notification.url)
    return _back(request)


@login_required
@require_POST
def notification_read_all(request):
    count = Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if count:
        messages.success(request, _("%(count)d notifications marked as read.") % {"count": count})
    return _back(request)
