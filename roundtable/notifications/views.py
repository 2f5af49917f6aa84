"""The reminder log (operators: administrators and commerce staff) and each user's own
notifications (the bell in the header): list, why you got it, mark as read."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from roundtable.accounts import roles
from roundtable.lib import outbox, params
from roundtable.lib.reminders import ReminderKind
from roundtable.notifications.models import Notification, ReminderLog

LOG_PAGE_SIZE = 50
# The log grows by thousands of rows a day: the page never counts the whole table. Counts stop
# at this many ("10,000+"), and pages follow the primary key (?before= / ?after=), not an
# offset, so the thousandth page costs what the first does.
LOG_COUNT_CAP = 10_000
STATUS_TONES = {
    ReminderLog.Status.CLAIMED: "",
    ReminderLog.Status.SENT: "success",
    ReminderLog.Status.RETRY: "warning",
    ReminderLog.Status.FAILED: "danger",
    ReminderLog.Status.UNCERTAIN: "warning",
    ReminderLog.Status.SKIPPED: "",
    ReminderLog.Status.QUEUED: "",
}
NOTIFICATION_PAGE_SIZE = 30


class ReminderLogFilterForm(forms.Form):
    kind = forms.ChoiceField(required=False, label=gettext_lazy("Kind"))
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "—"), *_kind_labels().items()]


def _kind_labels() -> dict:
    """Reminder kinds, and the kinds of message other apps send through the outbox."""
    return {**dict(ReminderKind.choices), **outbox.labels()}


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


def capped_count(qs, cap: int = None) -> tuple[int, bool]:
    """How many rows ``qs`` has, counting no further than ``cap``: (count, more than cap)."""
    cap = LOG_COUNT_CAP if cap is None else cap
    n = qs.order_by()[: cap + 1].count()
    return min(n, cap), n > cap


def _cursor(value) -> int | None:
    try:
        n = int(value)
    except (TypeError, ValueError):
        return None
    return n if 0 < n < 2**63 else None


@login_required
@require_GET
def reminder_log(request):
    """What was sent, to whom, when, delivered or failed and why, newest first. The subject
    of a reminder is named by its reference only; the issue itself opens for those who may
    read it. ``?before=<id>`` shows the page of older entries, ``?after=<id>`` newer ones."""
    user = request.user
    if not (roles.is_administrator(user) or roles.is_commerce_staff(user)):
        raise PermissionDenied
    form = ReminderLogFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    qs = _filtered_log(data)
    # Counts per status for the other filters, so each figure says what the status filter
    # would show; each stops at LOG_COUNT_CAP.
    status_counts = {value: capped_count(qs.filter(status=value)) for value in ReminderLog.Status}
    if data.get("status"):
        qs = qs.filter(status=data["status"])
    total = capped_count(qs)
    qs = qs.select_related("recipient", "issue", "meeting")
    before, after = _cursor(request.GET.get("before")), _cursor(request.GET.get("after"))
    if after is not None:
        # Newer entries: the LOG_PAGE_SIZE just above ``after``, shown newest first.
        rows = list(qs.filter(pk__gt=after).order_by("pk")[: LOG_PAGE_SIZE + 1])
        has_newer = len(rows) > LOG_PAGE_SIZE
        rows = rows[:LOG_PAGE_SIZE][::-1]
        has_older = bool(rows)
    else:
        if before is not None:
            qs = qs.filter(pk__lt=before)
        rows = list(qs.order_by("-pk")[: LOG_PAGE_SIZE + 1])
        has_older = len(rows) > LOG_PAGE_SIZE
        rows = rows[:LOG_PAGE_SIZE]
        has_newer = before is not None and bool(rows)
    query = request.GET.copy()
    for key in ("page", "before", "after"):
        query.pop(key, None)
    by_status = query.copy()
    by_status.pop("status", None)
    prefix = f"?{by_status.urlencode()}&" if by_status else "?"
    kinds = _kind_labels()
    for row in rows:
        row.kind_label = kinds.get(row.kind, row.kind)
    return render(
        request,
        "reminders/log.html",
        {
            "form": form,
            "rows": rows,
            "total": total[0],
            "total_capped": total[1],
            "total_text": f"{total[0]:,}",
            "older": rows[-1].pk if rows and has_older else None,
            "newer": rows[0].pk if rows and has_newer else None,
            "query": query.urlencode(),
            "status_counts": [
                (
                    label,
                    f"{status_counts[value][0]:,}+"
                    if status_counts[value][1]
                    else status_counts[value][0],
                    f"{prefix}status={value}",
                    STATUS_TONES[value],
                )
                for value, label in ReminderLog.Status.choices
            ],
            "can_open_issues": roles.can_read_all_issues(user),
        },
    )


@login_required
@require_GET
def notification_list(request):
    """The signed-in user's notifications, newest first; ``?show=unread`` for unread only.
    Notices about an issue the user may no longer read are left out (``visible_to``)."""
    qs = Notification.objects.visible_to(request.user)
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
    """Mark one of the user's own notifications read (404 for anyone else's, and for one
    about an issue they may no longer read); with ``open`` set, go on to what it is about."""
    notification = get_object_or_404(Notification.objects.visible_to(request.user), pk=pk)
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
    count = Notification.objects.visible_to(request.user).unread().update(read_at=timezone.now())
    if count:
        messages.success(
            request,
            ngettext(
                "%(count)d notification marked as read.",
                "%(count)d notifications marked as read.",
                count,
            )
            % {"count": count},
        )
    return _back(request)
