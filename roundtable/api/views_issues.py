"""Issues through the API: the ledger with its filters, an issue, its timeline, and the
lifecycle's steps. Every read asks issues/access.py and the ledger's own filter
(issues/filters.py); every write goes through issues/services/ with the page's form as the
check of its body, so the rules and refusals are the pages' own: 404 for an issue the caller
may not see, 403 for a step they may not take, 409 for one the issue's state no longer
allows, 400 for a bad body. A write to an existing issue needs its ETag in If-Match (428
without it) and is refused with 412 when someone changed the issue since."""

from django import forms as django_forms
from django.forms.models import model_to_dict
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from issues import access, filters, forms, services
from issues.models import ActionUpdate, Assignment, Issue
from roundtable.accounts import submissions
from roundtable.api import serializers as s
from roundtable.api.common import IssueCursor, etag, expected_version, form_data
from roundtable.lib import params

EDITABLE = (*services.EDITABLE_FIELDS, "other_enterprises")
# Orders a client may ask for (``sort``), each one of the ledger's own (filters.SORTS) led by
# a column that a cursor can hold on to.
API_SORTS = ("-raised", "raised", "-updated", "updated")


def _filter_parameters() -> list[OpenApiParameter]:
    """The ledger filter's fields (issues/filters.py), described from the form itself."""
    types = {
        django_forms.IntegerField: OpenApiTypes.INT,
        django_forms.ModelChoiceField: OpenApiTypes.INT,
        django_forms.DateField: OpenApiTypes.DATE,
        django_forms.BooleanField: OpenApiTypes.BOOL,
    }
    described = []
    for name, field in filters.LedgerFilterForm.base_fields.items():
        if name == "sort":
            described.append(OpenApiParameter(name, OpenApiTypes.STR, enum=list(API_SORTS)))
            continue
        kind = next((t for cls, t in types.items() if isinstance(field, cls)), OpenApiTypes.STR)
        many = isinstance(field, django_forms.MultipleChoiceField)
        enum = None
        if isinstance(field, django_forms.ChoiceField) and kind == OpenApiTypes.STR:
            enum = [c for c, _label in field.choices if c]
        described.append(
            OpenApiParameter(
                name, kind, many=many or None, enum=enum or None, description=str(field.label or "")
            )
        )
    return described


def _issue(request, pk) -> Issue:
    issue = access.issue_for_user(
        request.user,
        pk,
        queryset=Issue.objects.select_related("enterprise", "category", "lead_department"),
    )
    return issue


def _detail(issue: Issue, *, status_code=status.HTTP_200_OK) -> Response:
    issue = Issue.objects.select_related("enterprise", "category", "lead_department").get(
        pk=issue.pk
    )
    issue.api_assignments = list(
        issue.assignments.select_related("department").order_by("-is_current", "pk")
    )
    response = Response(s.IssueDetailSerializer(issue).data, status=status_code)
    response["ETag"] = etag(issue)
    return response


@extend_schema(tags=["issues"])
class IssueList(generics.GenericAPIView):
    serializer_class = s.IssueSerializer
    pagination_class = IssueCursor
    ordering = filters.SORTS[filters.DEFAULT_SORT]

    @extend_schema(parameters=_filter_parameters(), responses=s.IssueSerializer(many=True))
    def get(self, request):
        """The ledger: the issues the caller may see, narrowed by the ledger's filters. A
        filter with an error lists nothing: it answers 400 with the errors."""
        access.require_case_user(request.user)
        form, issues = filters.filtered(Issue.objects.visible_to(request.user), request.GET)
        if form.is_bound and not form.is_valid():
            raise ValidationError(
                {k: [e["message"] for e in v] for k, v in form.errors.get_json_data().items()}
            )
        sort = form.sort_in_force()
        if sort not in API_SORTS:
            raise ValidationError({"sort": [_("Sort by one of: %s.") % ", ".join(API_SORTS)]})
        self.ordering = filters.SORTS[sort]
        issues = issues.select_related("enterprise", "category", "lead_department")
        page = self.paginate_queryset(issues)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        request=s.IssueCreateSerializer,
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER)],
        responses={201: s.IssueDetailSerializer, 200: s.IssueDetailSerializer},
    )
    def post(self, request):
        """Log an issue (commerce staff), assigned at once when a lead department and a
        deadline are given. Checked as the page's form checks it. Sent again with the same
        Idempotency-Key (1 to 64 letters, digits, - or _), it creates nothing more and
        answers 200 with the issue the first sending created."""
        access.check(access.can_edit(request.user, None))
        earlier = submissions.already_created(request, Issue)
        if earlier is not None:
            return _detail(earlier)
        # What the page's form starts with: raised today, normal priority.
        defaults = {"raised_on": timezone.localdate().isoformat(), "priority": "normal"}
        data = form_data(forms.IssueForm, request.data, defaults=defaults)
        issue, created = submissions.create_once(
            request,
            Issue,
            lambda: services.issue_create(
                actor=request.user,
                **forms.IssueForm.create_arguments(data),
            ),
        )
        response = _detail(issue, status_code=201 if created else 200)
        response["Location"] = f"/api/issues/{issue.pk}/"
        return response


@extend_schema(tags=["issues"])
class IssueDetail(generics.GenericAPIView):
    serializer_class = s.IssueDetailSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get(self, request, pk):
        """One issue with its assignments; its ETag is what a write sends in If-Match."""
        return _detail(_issue(request, pk))

    @extend_schema(
        request=s.IssueUpdateSerializer,
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=True)],
    )
    def patch(self, request, pk):
        """Edit an issue's facts (commerce staff): the fields sent change, the others keep
        their values, and the whole is checked by the edit page's form."""
        issue = _issue(request, pk)
        access.check(access.can_edit(request.user, issue))
        version = expected_version(request, issue)
        if not isinstance(request.data, dict):
            raise ValidationError({"detail": _("Send a JSON object.")})
        unknown = sorted(set(request.data) - set(EDITABLE))
        if unknown:
            raise ValidationError({name: [_("This field cannot be changed.")] for name in unknown})
        current = model_to_dict(issue, fields=services.EDITABLE_FIELDS)
        current["other_enterprises"] = [e.pk for e in issue.other_enterprises.all()]
        merged = {**current, **request.data, "version": version}
        data = form_data(forms.IssueEditForm, merged, instance=issue)
        changes = {name: data[name] for name in services.EDITABLE_FIELDS}
        changes["other_enterprises"] = list(data["other_enterprises"])
        services.issue_update(actor=request.user, issue=issue, expected_version=version, **changes)
        return _detail(issue)


@extend_schema(tags=["issues"], responses=s.TimelineEntrySerializer(many=True))
class IssueTimeline(generics.GenericAPIView):
    serializer_class = s.TimelineEntrySerializer

    def get(self, request, pk):
        """What happened to the issue, oldest first, as its page's timeline."""
        issue = _issue(request, pk)
        updates = issue.updates.select_related("author", "department").order_by("created_at", "pk")
        return Response(s.TimelineEntrySerializer(updates, many=True).data)


IF_MATCH = OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=True)


def _step(request, issue, *, allowed: bool, perform) -> Response:
    """The shape of every step, as the pages' ``_act``: the role (403), the precondition
    (428, 412), the body, then the service at the version the client read (412, 409)."""
    access.check(allowed)
    version = expected_version(request, issue)
    with services.at_version(issue, version):
        perform()
    return _detail(issue)


class _Step(generics.GenericAPIView):
    serializer_class = s.IssueDetailSerializer


def _entries(issue: Issue, kind) -> list:
    return list(
        issue.updates.filter(kind=kind)
        .select_related("author", "department")
        .order_by("created_at", "pk")
    )


@extend_schema(tags=["lifecycle"])
class IssueProgress(_Step):
    @extend_schema(request=None, responses=s.ProgressEntrySerializer(many=True))
    def get(self, request, pk):
        """The issue's progress updates, oldest first."""
        issue = _issue(request, pk)
        entries = _entries(issue, ActionUpdate.Kind.PROGRESS)
        return Response(s.ProgressEntrySerializer(entries, many=True).data)

    @extend_schema(request=s.ProgressSerializer, parameters=[IF_MATCH])
    def post(self, request, pk):
        """Post progress (a liaison or head of a department handling the issue)."""
        issue = _issue(request, pk)
        allowed = access.can_post_progress(request.user, issue)
        access.check(allowed)
        data = form_data(forms.ProgressForm, request.data)
        return _step(
            request,
            issue,
            allowed=allowed,
            perform=lambda: services.issue_post_progress(
                actor=request.user, issue=issue, body=data["body"]
            ),
        )


@extend_schema(tags=["lifecycle"], request=s.AssignSerializer, parameters=[IF_MATCH])
class IssueAssign(_Step):
    def post(self, request, pk):
        """Assign or reassign (commerce staff): a lead department, co-handlers, a deadline."""
        issue = _issue(request, pk)
        allowed = access.can_assign(request.user, issue)
        access.check(allowed)
        data = form_data(forms.AssignForm, request.data, issue=issue)
        return _step(
            request,
            issue,
            allowed=allowed,
            perform=lambda: services.issue_assign(
                actor=request.user,
                issue=issue,
                lead_department=data["lead_department"],
                co_departments=data["co_departments"],
                deadline=data["deadline"],
                responsible_person=data["responsible_person"],
            ),
        )


def _assignment(issue, assignment_pk) -> Assignment:
    assignment = issue.assignments.filter(pk=params.parse_id(str(assignment_pk)) or 0).first()
    if assignment is None:
        raise Http404
    return assignment


@extend_schema(tags=["lifecycle"], request=None, parameters=[IF_MATCH])
class AssignmentAccept(_Step):
    def post(self, request, pk, assignment_pk):
        """Accept an assignment (a liaison or head of that department)."""
        issue = _issue(request, pk)
        assignment = _assignment(issue, assignment_pk)
        return _step(
            request,
            issue,
            allowed=access.can_respond(request.user, assignment),
            perform=lambda: services.assignment_accept(actor=request.user, assignment=assignment),
        )


@extend_schema(tags=["lifecycle"], request=s.ReasonSerializer, parameters=[IF_MATCH])
class AssignmentReturn(_Step):
    def post(self, request, pk, assignment_pk):
        """Return an assignment with the reason it is not the department's remit."""
        issue = _issue(request, pk)
        assignment = _assignment(issue, assignment_pk)
        allowed = access.can_respond(request.user, assignment)
        access.check(allowed)
        data = form_data(forms.ReturnForm, request.data)
        return _step(
            request,
            issue,
            allowed=allowed,
            perform=lambda: services.assignment_return(
                actor=request.user, assignment=assignment, reason=data["reason"]
            ),
        )


@extend_schema(tags=["lifecycle"])
class IssueConclusion(_Step):
    @extend_schema(request=None, responses=s.ProgressEntrySerializer(many=True))
    def get(self, request, pk):
        """The conclusions reported on the issue, oldest first (one more after each
        reopening); the one in force is the issue's ``resolution``."""
        issue = _issue(request, pk)
        entries = _entries(issue, ActionUpdate.Kind.CONCLUSION)
        return Response(s.ProgressEntrySerializer(entries, many=True).data)

    @extend_schema(request=s.ConclusionSerializer, parameters=[IF_MATCH])
    def post(self, request, pk):
        """Report the conclusion (the lead department)."""
        issue = _issue(request, pk)
        allowed = access.can_conclude(request.user, issue)
        access.check(allowed)
        data = form_data(forms.ConclusionForm, request.data)
        return _step(
            request,
            issue,
            allowed=allowed,
            perform=lambda: services.issue_report_conclusion(
                actor=request.user, issue=issue, **data
            ),
        )


@extend_schema(tags=["lifecycle"], request=s.CloseSerializer, parameters=[IF_MATCH])
class IssueClose(_Step):
    def post(self, request, pk):
        """Verify a reported conclusion with the enterprise's satisfaction (commerce staff);
        a dissatisfied enterprise reopens the issue instead."""
        issue = _issue(request, pk)
        allowed = access.can_close(request.user, issue)
        access.check(allowed)
        data = form_data(forms.CloseForm, request.data)
        return _step(
            request,
            issue,
            allowed=allowed,
            perform=lambda: services.issue_close(actor=request.user, issue=issue, **data),
        )


@extend_schema(tags=["issues"], responses=s.AssignmentSerializer(many=True))
class AssignmentList(generics.GenericAPIView):
    serializer_class = s.AssignmentSerializer

    def get(self, request, pk):
        """Every assignment of the issue, the current ones first, then those replaced."""
        issue = _issue(request, pk)
        assignments = issue.assignments.select_related("department").order_by("-is_current", "pk")
        return Response(s.AssignmentSerializer(assignments, many=True).data)


@extend_schema(tags=["issues"])
class AssignmentDetail(generics.GenericAPIView):
    serializer_class = s.AssignmentSerializer

    def get(self, request, pk, assignment_pk):
        """One assignment of the issue (404 for an issue the caller may not see)."""
        issue = _issue(request, pk)
        return Response(s.AssignmentSerializer(_assignment(issue, assignment_pk)).data)


@extend_schema(tags=["lifecycle"])
class IssueExtensions(_Step):
    @extend_schema(request=None, responses=s.ExtensionSerializer(many=True))
    def get(self, request, pk):
        """The issue's deadline extension requests, the latest first."""
        issue = _issue(request, pk)
        extensions = issue.extension_requests.select_related("requested_by", "decided_by")
        return Response(s.ExtensionSerializer(extensions, many=True).data)

    @extend_schema(request=s.ExtensionAskSerializer, parameters=[IF_MATCH])
    def post(self, request, pk):
        """Request a later deadline, with the reason (the lead department, while the issue is
        in progress); commerce staff decide."""
        issue = _issue(request, pk)
        allowed = access.can_request_extension(request.user, issue)
        access.check(allowed)
        data = form_data(forms.ExtensionForm, request.data)
        return _step(
            request,
            issue,
            allowed=allowed,
            perform=lambda: services.issue_request_extension(
                actor=request.user, issue=issue, **data
            ),
        )


@extend_schema(tags=["lifecycle"], request=s.DecisionSerializer, parameters=[IF_MATCH])
class ExtensionDecide(_Step):
    def post(self, request, pk, extension_pk):
        """Grant or refuse a pending extension request (commerce staff); granted, the
        requested day becomes the deadline."""
        issue = _issue(request, pk)
        allowed = access.can_decide_extension(request.user, issue)
        access.check(allowed)
        extension = issue.extension_requests.filter(
            pk=params.parse_id(str(extension_pk)) or 0
        ).first()
        if extension is None:
            raise Http404
        data = form_data(forms.DecideExtensionForm, request.data)
        return _step(
            request,
            issue,
            allowed=allowed,
            perform=lambda: services.extension_decide(
                actor=request.user,
                extension=extension,
                grant=data["decision"] == "grant",
                note=data["note"],
            ),
        )


@extend_schema(tags=["lifecycle"], request=s.ReasonSerializer, parameters=[IF_MATCH])
class IssueReopen(_Step):
    def post(self, request, pk):
        """Send a concluded or closed issue back to the lead department, with the reason
        (commerce staff)."""
        issue = _issue(request, pk)
        allowed = access.can_close(request.user, issue)
        access.check(allowed)
        data = form_data(forms.ReopenForm, request.data)
        return _step(
            request,
            issue,
            allowed=allowed,
            perform=lambda: services.issue_reopen(
                actor=request.user, issue=issue, reason=data["reason"]
            ),
        )


@extend_schema(tags=["lifecycle"], request=s.InstructionSerializer, parameters=[IF_MATCH])
class IssueInstruction(_Step):
    def post(self, request, pk):
        """Add the chair's or a deputy chair's instruction (批示) to the issue."""
        issue = _issue(request, pk)
        allowed = access.can_instruct(request.user, issue)
        access.check(allowed)
        data = form_data(forms.InstructionForm, request.data)
        return _step(
            request,
            issue,
            allowed=allowed,
            perform=lambda: services.issue_add_instruction(
                actor=request.user, issue=issue, body=data["body"]
            ),
        )
