"""The enterprise side's issue pages: the contact's enterprises' issues, one issue in the
detail the enterprise may read (selectors.py), adding information and confirming the
conclusion through issues.services, and the attachments of shared entries."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from issues import services
from issues.attachments import attachment_response, files_removed_on_rollback, store_attachment
from issues.models import Issue
from roundtable.portal import selectors
from roundtable.portal.access import contact_required, enterprise_ids
from roundtable.portal.forms import AddInformationForm, ConfirmForm

PAGE_ROWS = 200


def _issue(request, pk) -> Issue:
    issue = selectors.issue_for_contact(enterprise_ids(request), pk)
    if issue is None:
        raise Http404
    return selectors.decorate(issue)


@contact_required
@require_GET
def issue_list(request):
    show = "closed" if request.GET.get("show") == "closed" else "open"
    issues = selectors.issues_of(enterprise_ids(request))
    if show == "closed":
        issues = issues.filter(status=Issue.Status.CLOSED)
    else:
        issues = issues.exclude(status=Issue.Status.CLOSED)
    rows = [selectors.decorate(issue) for issue in issues[:PAGE_ROWS]]
    return render(
        request,
        "portal/issue_list.html",
        {"issues": rows, "show": show, "several": len(request.portal_enterprises) > 1},
    )


def _detail(request, issue, *, status=200, **forms):
    context = {
        "issue": issue,
        "timeline": selectors.shared_timeline(issue),
        "official": issue.enterprise.designated_official,
        "info_form": forms.get("info_form") or AddInformationForm(),
        "confirm_form": forms.get("confirm_form") or ConfirmForm(),
    }
    return render(request, "portal/issue_detail.html", context, status=status)


@contact_required
@require_GET
def issue_detail(request, pk):
    return _detail(request, _issue(request, pk))


@contact_required
@require_POST
def issue_add_information(request, pk):
    issue = _issue(request, pk)
    form = AddInformationForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail(request, issue, status=400, info_form=form)
    try:
        with files_removed_on_rollback(), transaction.atomic():
            update = services.issue_add_enterprise_information(
                actor=request.user, issue=issue, body=form.cleaned_data["body"]
            )
            for uploaded in form.cleaned_data["files"]:
                try:
                    store_attachment(
                        issue=issue, uploaded_file=uploaded, user=request.user, update=update
                    )
                except ValidationError as exc:
                    form.add_error("files", exc)
                    raise services.TransitionRefused(_("The attachment was refused.")) from exc
    except services.TransitionRefused as exc:
        messages.error(request, str(exc))
        return _detail(request, issue, status=409 if form.is_valid() else 400, info_form=form)
    messages.success(request, _("Your information was added. The departments handling it see it."))
    return redirect("portal:issue", pk=issue.pk)


@contact_required
@require_POST
def issue_confirm(request, pk):
    issue = _issue(request, pk)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        return _detail(request, issue, status=400, confirm_form=form)
    satisfaction = form.cleaned_data["satisfaction"]
    try:
        services.issue_close(
            actor=request.user,
            issue=issue,
            satisfaction=satisfaction,
            note=form.cleaned_data["comment"].strip(),
        )
    except services.TransitionRefused as exc:
        messages.error(request, str(exc))
        return _detail(request, issue, status=409, confirm_form=form)
    if satisfaction == Issue.Satisfaction.DISSATISFIED:
        messages.success(
            request, _("Thank you. The issue is reopened and goes back to the department.")
        )
    else:
        messages.success(request, _("Thank you for confirming. The issue is closed."))
    return redirect("portal:issue", pk=issue.pk)


@contact_required
@require_GET
def attachment_download(request, pk, attachment_pk):
    issue = _issue(request, pk)
    attachment = selectors.shared_attachment(issue, attachment_pk)
    if attachment is None:
        raise Http404
    return attachment_response(attachment)
