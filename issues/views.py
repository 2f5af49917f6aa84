"""Issue views: check access, bind a form, call a service, redirect; on error re-render the
bound form so nothing typed is lost. The lists (the ledger, My department, supervision) are in
issues/views_lists.py."""

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from issues import access, services, views_deadlines
from issues.attachments import attachment_response, files_removed_on_rollback, store_attachment
from issues.forms import (
    AssignForm,
    AttachmentForm,
    CloseForm,
    ConclusionForm,
    DecideExtensionForm,
    ExtensionForm,
    InstructionForm,
    IssueEditForm,
    IssueForm,
    ProgressForm,
    ReopenForm,
    ReturnForm,
)
from issues.models import ActionUpdate, Assignment, Attachment, ExtensionRequest, Issue
from issues.querysets import working_days_late
from roundtable.accounts import roles, submissions
from roundtable.accounts.models import User
from roundtable.lib import params
from roundtable.workdays import services as workdays

KEPT_FIELDS = ("body", "reason", "resolution", "note")


@login_required
@require_http_methods(["GET", "POST"])
def issue_new(request):
    access.check(access.can_edit(request.user, None))
    if request.method == "POST":
        earlier = submissions.already_created(request, Issue)
        if earlier is not None:
            messages.info(request, _("This form was already submitted; here is the issue."))
            return redirect("issues:detail", pk=earlier.pk)
    form = IssueForm(request.POST or None, initial={"raised_on": timezone.localdate()})
    refused = False
    previewing = views_deadlines.previewing(request, form)
    if request.method == "POST" and not previewing and form.is_valid():
        data = form.cleaned_data
        try:
            issue, created = submissions.create_once(
                request,
                Issue,
                lambda: services.issue_create(
                    actor=request.user,
                    **IssueForm.create_arguments(data),
                ),
            )
        except services.TransitionRefused as exc:
            form.add_error(None, str(exc))
            refused = True
        else:
            if not created:
                messages.info(request, _("This form was already submitted; here is the issue."))
                return redirect("issues:detail", pk=issue.pk)
            for warning in form.deadline_warnings():
                messages.warning(request, warning)
            messages.success(request, _("Issue %(ref)s logged.") % {"ref": issue.reference})
            if request.POST.get("then") == "another":
                return redirect("issues:new")
            return redirect("issues:detail", pk=issue.pk)
    return render(
        request,
        "issues/issue_form.html",
        {"form": form, "creating": True, "previewing": previewing},
        status=409 if refused else 200,
    )


def _detail_context(request, issue, **forms):
    user = request.user
    _with_people(issue)
    today = timezone.localdate()
    assignments = list(issue.assignments.select_related("department", "responsible_person"))
    issue._current_assignments = [a for a in assignments if a.is_current]
    my_assignment = access.user_assignment(user, issue)
    # Every attachment belongs to the issue, those of an update too: one query for both.
    attachments = list(issue.attachments.select_related("uploaded_by"))
    updates = list(issue.updates.select_related("author", "department"))
    by_update = defaultdict(list)
    for attachment in attachments:
        by_update[attachment.update_id].append(attachment)
    for update in updates:
        update.attached = by_update[update.pk]
    pending_extension = next(
        (e for e in issue.extension_requests.all() if e.status == ExtensionRequest.Status.PENDING),
        None,
    )
    deadline_note = ""
    if issue.deadline_provisional:
        deadline_note = _(
            "provisional: counted Monday to Friday until the official holidays are published; "
            "it will be counted again then"
        )
    elif issue.deadline and workdays.is_provisional(issue.deadline):
        deadline_note = _("provisional: %(year)s's official holidays are not published yet") % {
            "year": issue.deadline.year
        }
    open_states = (Issue.Status.ASSIGNED, Issue.Status.IN_PROGRESS)
    days_left = workdays.working_days_between(today, issue.deadline) if issue.deadline else None
    can = {
        "edit": access.can_edit(user, issue) and _allowed(services.check_editable, issue),
        "assign": access.can_assign(user, issue) and _allowed(services.check_assignable, issue),
        "respond": my_assignment is not None and my_assignment.status == Assignment.Status.PENDING,
        "progress": my_assignment is not None
        and my_assignment.status == Assignment.Status.ACCEPTED
        and issue.status in open_states,
        "extension": access.can_request_extension(user, issue)
        and issue.status == Issue.Status.IN_PROGRESS
        and pending_extension is None,
        "decide": access.can_decide_extension(user, issue) and pending_extension is not None,
        "conclude": access.can_conclude(user, issue) and issue.status == Issue.Status.IN_PROGRESS,
        "close": access.can_close(user, issue) and issue.status == Issue.Status.CONCLUSION_REPORTED,
        "reopen": access.can_close(user, issue)
        and issue.status in (Issue.Status.CONCLUSION_REPORTED, Issue.Status.CLOSED),
        "instruct": access.can_instruct(user, issue),
        "attach": access.can_edit(user, issue) or my_assignment is not None,
    }
    context = {
        "issue": issue,
        "assignments": assignments,
        "current_assignments": issue._current_assignments,
        "my_assignment": my_assignment,
        "updates": updates,
        "instructions": [u for u in updates if u.kind == ActionUpdate.Kind.INSTRUCTION],
        "attachments": attachments,
        # The concerns of the intake queue the issue came from (roundtable/meetings), for
        # those who read the queue.
        "concerns": list(issue.intake_items.order_by("created_at", "pk"))
        if roles.can_read_all_issues(user)
        else [],
        "pending_extension": pending_extension,
        "overdue": issue.is_overdue(today),
        "deadline_note": deadline_note,
        "deadline_off_day": issue.deadline and not workdays.is_working_day(issue.deadline),
        "working_days_left": days_left,
        "working_days_late": working_days_late(issue.deadline, today),
        "can": can,
        "return_form": ReturnForm(),
        "progress_form": ProgressForm(),
        "extension_form": ExtensionForm(),
        "decide_form": DecideExtensionForm(),
        "conclusion_form": ConclusionForm(initial={"concluded_on": today}),
        "close_form": CloseForm(),
        "reopen_form": ReopenForm(),
        "instruction_form": InstructionForm(),
        "attachment_form": AttachmentForm(),
    }
    context.update(forms)
    return context


def _allowed(check, issue) -> bool:
    """Whether the service's rule ``check`` lets the step go ahead (to offer its button)."""
    try:
        check(issue)
    except services.TransitionRefused:
        return False
    return True


def _issue(request, pk):
    issue = access.issue_for_user(
        request.user,
        pk,
        queryset=Issue.objects.select_related("enterprise", "category", "meeting", "special_study"),
    )
    return issue


def _with_people(issue):
    """The monitor and the person who logged it, for the issue's page, in one more query:
    joining the users' table twice more made PostgreSQL weigh the join orders of seven
    tables, 3 ms of every issue page at 100,000 issues, against 0.5 ms for this query. A
    write that redirects never shows them, so it does not read them."""
    people = User.objects.in_bulk({issue.monitor_id, issue.created_by_id} - {None})
    issue.monitor = people.get(issue.monitor_id)
    issue.created_by = people.get(issue.created_by_id)
    return issue


@login_required
@require_GET
def issue_detail(request, pk):
    issue = _issue(request, pk)
    return render(request, "issues/issue_detail.html", _detail_context(request, issue))


def _refused(request, issue, exc, status=409, **forms):
    """Re-render the issue page with the refusal and the user's typed text."""
    messages.error(request, str(exc))
    context = _detail_context(request, issue, **forms)
    # The action's form may no longer be offered in this state: show what was typed anyway.
    context["kept_text"] = [
        (form[name].label, form.data[name])
        for form in forms.values()
        for name in form.fields
        if name in KEPT_FIELDS and str(form.data.get(name, "")).strip()
    ]
    return render(request, "issues/issue_detail.html", context, status=status)


def _invalid(request, issue, **forms):
    messages.error(request, _("Please correct the errors below."))
    return render(
        request, "issues/issue_detail.html", _detail_context(request, issue, **forms), status=400
    )


@login_required
@require_http_methods(["GET", "POST"])
def issue_edit(request, pk):
    issue = _issue(request, pk)
    access.check(access.can_edit(request.user, issue))
    if request.method == "GET":
        try:
            services.check_editable(issue)
        except services.TransitionRefused as exc:
            return _refused(request, issue, exc)
    form = IssueEditForm(request.POST or None, instance=issue)
    conflict = refused = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changes = {name: data[name] for name in services.EDITABLE_FIELDS}
        changes["other_enterprises"] = list(data["other_enterprises"])
        try:
            services.issue_update(
                actor=request.user, issue=issue, expected_version=data["version"], **changes
            )
        except services.TransitionRefused as exc:  # closed while the form was open
            form.add_error(None, str(exc))
            refused = True
        except services.StaleVersion as exc:
            conflict = exc.current
            # Keep what was typed, but let the next save go through against the new version.
            form.data = form.data.copy()
            form.data["version"] = conflict.version
        else:
            messages.success(request, _("Saved."))
            return redirect("issues:detail", pk=issue.pk)
    # Unsaved edits must not leak into the object the template shows as "current".
    issue.refresh_from_db()
    return render(
        request,
        "issues/issue_edit.html",
        {"form": form, "issue": issue, "conflict": conflict},
        status=409 if conflict or refused else (400 if form.is_bound else 200),
    )


@login_required
@require_http_methods(["GET", "POST"])
def issue_assign(request, pk):
    issue = _issue(request, pk)
    access.check(access.can_assign(request.user, issue))
    if request.method == "GET":
        try:
            services.check_assignable(issue)
        except services.TransitionRefused as exc:
            return _refused(request, issue, exc)
    # A posted form shows what was typed: the current assignments are read only to offer them.
    initial = _assign_initial(issue) if request.method == "GET" else None
    form = AssignForm(request.POST or None, issue=issue, initial=initial)
    refused = False
    previewing = views_deadlines.previewing(request, form)
    if request.method == "POST" and not previewing and form.is_valid():
        data = form.cleaned_data
        try:
            services.issue_assign(
                actor=request.user,
                issue=issue,
                lead_department=data["lead_department"],
                co_departments=data["co_departments"],
                deadline=data["deadline"],
                responsible_person=data["responsible_person"],
            )
        except services.TransitionRefused as exc:  # concluded while the form was open
            form.add_error(None, str(exc))
            refused = True
        else:
            for warning in form.deadline_warnings():
                messages.warning(request, warning)
            messages.success(request, _("Assigned."))
            return redirect("issues:detail", pk=issue.pk)
    return render(
        request,
        "issues/issue_assign.html",
        {"form": form, "issue": issue, "previewing": previewing},
        status=409 if refused else (400 if form.is_bound and not previewing else 200),
    )


def _assign_initial(issue) -> dict:
    current = list(issue.assignments.current())
    lead = next((a for a in current if a.role == Assignment.Role.LEAD), None)
    return {
        "lead_department": lead.department_id if lead else None,
        "co_departments": [
            a.department_id for a in current if a.role == Assignment.Role.CO_HANDLING
        ],
        "deadline": issue.deadline,
        "responsible_person": lead.responsible_person_id if lead else None,
    }


def _assignment(request, issue, assignment_pk):
    pk = params.parse_id(str(assignment_pk))
    try:
        return issue.assignments.get(pk=pk)
    except Assignment.DoesNotExist:  # also for pk None: no row has a null id
        raise Http404 from None


def _act(request, issue, *, allowed, perform, success, form=None, form_key=""):
    """The shape of every transition: check the role, validate the form, call the service,
    and either redirect to the issue with ``success`` or re-render it with the refusal and
    the typed text. ``success`` may be a function of the service's result."""
    access.check(allowed)
    forms = {form_key: form} if form is not None else {}
    if form is not None and not form.is_valid():
        return _invalid(request, issue, **forms)
    try:
        result = perform(form.cleaned_data if form is not None else {})
    except services.TransitionRefused as exc:
        return _refused(request, issue, exc, **forms)
    level, text = success(result) if callable(success) else (messages.SUCCESS, success)
    messages.add_message(request, level, text)
    return redirect("issues:detail", pk=issue.pk)


@login_required
@require_POST
def assignment_accept(request, pk, assignment_pk):
    issue = _issue(request, pk)
    assignment = _assignment(request, issue, assignment_pk)
    return _act(
        request,
        issue,
        allowed=access.can_respond(request.user, assignment),
        perform=lambda _data: services.assignment_accept(actor=request.user, assignment=assignment),
        success=_("Accepted. Your department now handles this issue."),
    )


@login_required
@require_POST
def assignment_return(request, pk, assignment_pk):
    issue = _issue(request, pk)
    assignment = _assignment(request, issue, assignment_pk)
    return _act(
        request,
        issue,
        allowed=access.can_respond(request.user, assignment),
        form=ReturnForm(request.POST),
        form_key="return_form",
        perform=lambda data: services.assignment_return(
            actor=request.user, assignment=assignment, reason=data["reason"]
        ),
        success=_("Returned to commerce staff with your reason."),
    )


@login_required
@require_POST
def issue_progress(request, pk):
    issue = _issue(request, pk)
    form = ProgressForm(request.POST, request.FILES)

    def perform(data):
        with files_removed_on_rollback(), transaction.atomic():
            update = services.issue_post_progress(
                actor=request.user,
                issue=issue,
                body=data["body"],
                visible_to_enterprise=data.get("visible_to_enterprise", False),
            )
            if data.get("file"):
                try:
                    store_attachment(
                        issue=issue, uploaded_file=data["file"], user=request.user, update=update
                    )
                except ValidationError as exc:
                    form.add_error("file", exc)
                    raise services.TransitionRefused(_("The attachment was refused.")) from exc
        return update

    return _act(
        request,
        issue,
        allowed=access.can_post_progress(request.user, issue),
        form=form,
        form_key="progress_form",
        perform=perform,
        success=_("Progress posted."),
    )


@login_required
@require_POST
def issue_extension(request, pk):
    issue = _issue(request, pk)
    return _act(
        request,
        issue,
        allowed=access.can_request_extension(request.user, issue),
        form=ExtensionForm(request.POST),
        form_key="extension_form",
        perform=lambda data: services.issue_request_extension(
            actor=request.user, issue=issue, **data
        ),
        success=_("Extension requested; commerce staff will decide."),
    )


@login_required
@require_POST
def extension_decide(request, pk, extension_pk):
    issue = _issue(request, pk)
    access.check(access.can_decide_extension(request.user, issue))
    extension = get_object_or_404(ExtensionRequest, pk=extension_pk, issue=issue)
    return _act(
        request,
        issue,
        allowed=True,
        form=DecideExtensionForm(request.POST),
        form_key="decide_form",
        perform=lambda data: services.extension_decide(
            actor=request.user,
            extension=extension,
            grant=data["decision"] == "grant",
            note=data["note"],
        ),
        success=_("Decision recorded."),
    )


@login_required
@require_POST
def issue_conclude(request, pk):
    issue = _issue(request, pk)
    return _act(
        request,
        issue,
        allowed=access.can_conclude(request.user, issue),
        form=ConclusionForm(request.POST),
        form_key="conclusion_form",
        perform=lambda data: services.issue_report_conclusion(
            actor=request.user, issue=issue, **data
        ),
        success=_("Conclusion reported; commerce staff will verify it."),
    )


def _closed_message(issue):
    if issue.status == Issue.Status.CLOSED:
        return messages.SUCCESS, _("Verified and closed.")
    return messages.WARNING, _("The enterprise is dissatisfied: the issue is reopened.")


@login_required
@require_POST
def issue_close(request, pk):
    issue = _issue(request, pk)
    return _act(
        request,
        issue,
        allowed=access.can_close(request.user, issue),
        form=CloseForm(request.POST),
        form_key="close_form",
        perform=lambda data: services.issue_close(actor=request.user, issue=issue, **data),
        success=_closed_message,
    )


@login_required
@require_POST
def issue_reopen(request, pk):
    issue = _issue(request, pk)
    return _act(
        request,
        issue,
        allowed=access.can_close(request.user, issue),
        form=ReopenForm(request.POST),
        form_key="reopen_form",
        perform=lambda data: services.issue_reopen(
            actor=request.user, issue=issue, reason=data["reason"]
        ),
        success=_("Reopened and sent back to the lead department."),
    )


@login_required
@require_POST
def issue_instruction(request, pk):
    issue = _issue(request, pk)
    return _act(
        request,
        issue,
        allowed=access.can_instruct(request.user, issue),
        form=InstructionForm(request.POST),
        form_key="instruction_form",
        perform=lambda data: services.issue_add_instruction(
            actor=request.user, issue=issue, body=data["body"]
        ),
        success=_("Instruction added."),
    )


@login_required
@require_POST
def attachment_upload(request, pk):
    issue = _issue(request, pk)
    access.check(
        access.can_edit(request.user, issue) or access.user_assignment(request.user, issue)
    )
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            with files_removed_on_rollback(), transaction.atomic():
                store_attachment(
                    issue=issue, uploaded_file=form.cleaned_data["file"], user=request.user
                )
        except ValidationError as exc:
            form.add_error("file", exc)
    if form.errors:
        return _invalid(request, issue, attachment_form=form)
    messages.success(request, _("File attached."))
    return redirect("issues:detail", pk=issue.pk)


@login_required
@require_GET
def attachment_download(request, pk, attachment_pk):
    issue = _issue(request, pk)
    attachment = get_object_or_404(Attachment, pk=attachment_pk, issue=issue)
    return attachment_response(attachment)


@login_required
@require_GET
def issue_history(request, pk):
    issue = _issue(request, pk)
    from issues.history import issue_changes

    return render(
        request, "issues/issue_history.html", {"issue": issue, "changes": issue_changes(issue)}
    )
