"""A meeting's page and its list (清单) of issues, on screen and as an Excel file."""

from types import SimpleNamespace

from django.contrib.auth.decorators import login_required
from django.db.models import OuterRef, Prefetch, Subquery
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from departments.models import Department
from issues.exports import XLSX_CONTENT_TYPE, content_disposition, ledger_rows, stream_xlsx
from issues.models import ActionUpdate, Assignment, Issue
from issues.querysets import due_soon_until, is_due_soon, is_overdue
from roundtable.accounts import roles
from roundtable.lib.i18n import bilingual, prefers_chinese
from roundtable.meetings import access
from roundtable.meetings.forms import IntakeStatusForm
from roundtable.meetings.models import IntakeConsultation, IntakeItem, Meeting

# --- A meeting's page ---------------------------------------------------------------------


def _short(text: str | None, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis (the truncatechars filter, at a
    fraction of its cost for a hundred rows)."""
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _person(full_name, first_name, last_name, username) -> str:
    """What ``User.__str__`` shows, from the columns alone."""
    return full_name or f"{first_name} {last_name}".strip() or username


def meeting_issues(meeting: Meeting, user):
    """The meeting's list (清单): its issues the user may read, each with its lead and
    co-handling departments and its latest progress. A fixed number of queries.

    Rows are plain objects built from ``values()``: a list of 100 issues would otherwise
    build some 600 model instances (issues, enterprises, monitors, assignments and their
    departments), which was most of the page's time."""
    latest = ActionUpdate.objects.filter(
        issue=OuterRef("pk"), kind=ActionUpdate.Kind.PROGRESS
    ).order_by("-created_at", "-id")
    rows = list(
        Issue.objects.visible_to(user)
        .filter(meeting=meeting)
        .annotate(
            latest_progress=Subquery(latest.values("body")[:1]),
            latest_progress_at=Subquery(latest.values("created_at")[:1]),
        )
        .order_by("year", "sequence")
        .values(
            "pk",
            "reference",
            "title",
            "follow_up_requirement",
            "status",
            "deadline",
            "enterprise__name_zh",
            "enterprise__name_en",
            "monitor__full_name",
            "monitor__first_name",
            "monitor__last_name",
            "monitor__username",
            "latest_progress",
            "latest_progress_at",
        )
    )
    departments = {}
    by_issue = {}
    if rows:
        for issue_id, role, dept_id, name_zh, name_en in (
            Assignment.objects.current()
            .filter(issue_id__in=[r["pk"] for r in rows])
            .order_by("issue_id", "id")
            .values_list(
                "issue_id", "role", "department_id", "department__name_zh", "department__name_en"
            )
        ):
            if dept_id not in departments:
                departments[dept_id] = Department(pk=dept_id, name_zh=name_zh, name_en=name_en).name
            by_issue.setdefault(issue_id, []).append((role, departments[dept_id]))
    today = timezone.localdate()
    soon = due_soon_until(today)
    # Translated once, not once per row.
    labels = {value: str(label) for value, label in Issue.Status.choices}
    chinese = prefers_chinese()
    issues = []
    for r in rows:
        zh, en = r["enterprise__name_zh"], r["enterprise__name_en"]
        deadline, status = r["deadline"], r["status"]
        overdue = is_overdue(status, deadline, today)
        assigned = by_issue.get(r["pk"], [])
        issues.append(
            SimpleNamespace(
                pk=r["pk"],
                reference=r["reference"],
                title=r["title"],
                follow_up=_short(r["follow_up_requirement"], 120),
                status=status,
                status_label=labels.get(status, status),
                deadline=deadline,
                deadline_text=deadline.isoformat() if deadline else "",
                overdue=overdue,
                due_soon=is_due_soon(status, deadline, today, soon),
                enterprise_name=bilingual(zh, en, chinese=chinese),
                monitor_name=_person(
                    r["monitor__full_name"],
                    r["monitor__first_name"],
                    r["monitor__last_name"],
                    r["monitor__username"],
                )
                if r["monitor__username"]
                else "",
                lead_name=next((name for role, name in assigned if role == "lead"), ""),
                co_names=[name for role, name in assigned if role == "co"],
                latest_progress=_short(r["latest_progress"], 160),
                latest_progress_day=timezone.localtime(r["latest_progress_at"]).date().isoformat()
                if r["latest_progress_at"]
                else "",
            )
        )
    summary = {
        "total": len(issues),
        "closed": sum(i.status == Issue.Status.CLOSED for i in issues),
        "concluded": sum(i.status == Issue.Status.CONCLUSION_REPORTED for i in issues),
        "overdue": sum(i.overdue for i in issues),
    }
    summary["open"] = summary["total"] - summary["closed"] - summary["concluded"]
    return issues, summary


@login_required
@require_GET
def meeting_detail(request, pk):
    user = request.user
    meeting = access.meeting_for_user(
        user, pk, queryset=Meeting.objects.select_related("roundtable", "created_by")
    )
    participants = list(
        meeting.participants.select_related(
            "enterprise", "association", "department", "user"
        ).prefetch_related("attendees")
    )
    groups = {"enterprise": [], "association": [], "department": [], "user": []}
    for p in participants:
        for kind in groups:
            if getattr(p, f"{kind}_id"):
                groups[kind].append(p)
    consultations = IntakeConsultation.objects.select_related("department", "replied_by")
    items = list(
        IntakeItem.objects.visible_to(user)
        .filter(meeting=meeting)
        .select_related("enterprise", "category", "issue", "recorded_by")
        .prefetch_related("departments", Prefetch("consultations", queryset=consultations))
        .order_by("agenda_order", "created_at", "pk")
    )
    agenda = sorted(
        (i for i in items if i.status == IntakeItem.Status.ON_AGENDA),
        key=lambda i: (i.agenda_order or 0, i.pk),
    )
    my_depts = roles.department_ids(user)
    can_edit = access.can_edit(user, meeting)
    for item in items:
        for c in item.consultations.all():
            c.can_reply = can_edit or c.department_id in my_depts
    issues, summary = meeting_issues(meeting, user)
    return render(
        request,
        "meetings/meeting_detail.html",
        {
            "meeting": meeting,
            "groups": groups,
            "participant_count": len(participants),
            "items": items,
            "agenda": agenda,
            "issues": issues,
            "summary": summary,
            "can_edit": can_edit,
            # Attendance is recorded from the day of the meeting on (the service refuses
            # earlier), so the button appears then.
            "can_hold": can_edit
            and meeting.is_open
            and timezone.localtime(meeting.starts_at).date() <= timezone.localdate(),
            "status_form": IntakeStatusForm(),
            "Status": Meeting.Status,
            "ItemStatus": IntakeItem.Status,
        },
    )


@login_required
@require_GET
def export_xlsx(request, pk):
    """The meeting's list as .xlsx: the ledger's columns, only the rows the user may read."""
    meeting = access.meeting_for_user(request.user, pk)
    qs = Issue.objects.visible_to(request.user).filter(meeting=meeting).order_by("year", "sequence")
    local = timezone.localtime(meeting.starts_at)
    response = StreamingHttpResponse(
        stream_xlsx(ledger_rows(qs), title=_("List %(day)s") % {"day": f"{local:%Y-%m-%d}"}),
        content_type=XLSX_CONTENT_TYPE,
    )
    response["Content-Disposition"] = content_disposition(
        f"meeting-{meeting.pk}-list-{local:%Y-%m-%d}.xlsx"
    )
    return response
