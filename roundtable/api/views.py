"""The API's reads of enterprises, departments, meetings and the KPIs, and its documentation
page. The issues are in views_issues.py. Each view asks the same access functions as the
pages, and the KPIs are the dashboard's own (roundtable/dashboard/overviews.py)."""

from csp.decorators import csp_update
from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from departments.models import Department
from roundtable.accounts import roles
from roundtable.api.common import IdCursor, MeetingCursor, form_data
from roundtable.api.serializers import (
    DepartmentSerializer,
    EnterpriseSerializer,
    KpiReportSerializer,
    MeetingSerializer,
)
from roundtable.dashboard import kpis, overviews, reports
from roundtable.enterprises import access as enterprise_access
from roundtable.enterprises.models import Enterprise
from roundtable.lib import params
from roundtable.meetings import access as meeting_access
from roundtable.meetings.models import Meeting


@login_required
@require_GET
# Swagger UI draws two of its icons as data: SVG images; an image runs nothing, and this
# page alone allows them. Scripts and styles stay files of ours (static/vendor/swagger-ui/).
@csp_update({"img-src": ["data:"]})
def docs(request):
    """The API's documentation, drawn by Swagger UI from the schema."""
    return render(request, "api/docs.html")


@extend_schema(tags=["enterprises"])
class EnterpriseList(generics.ListAPIView):
    """The enterprise directory: commerce staff and the chair's office; 403 for others, as
    the directory page."""

    serializer_class = EnterpriseSerializer
    pagination_class = IdCursor

    def get_queryset(self):
        user = self.request.user
        enterprise_access.check(enterprise_access.can_use_directory(user))
        return Enterprise.objects.visible_to(user)


@extend_schema(tags=["enterprises"])
class EnterpriseDetail(generics.RetrieveAPIView):
    """One enterprise, for those who may open its page (404 for anyone else)."""

    serializer_class = EnterpriseSerializer

    def get_object(self):
        return enterprise_access.enterprise_for_user(self.request.user, self.kwargs["pk"])


@extend_schema(tags=["departments"])
class DepartmentList(generics.ListAPIView):
    """Departments, for every signed-in user (their names are not confidential: the pages'
    pickers show them to all)."""

    serializer_class = DepartmentSerializer
    pagination_class = IdCursor
    queryset = Department.objects.all()


class MeetingFilterForm(forms.Form):
    """The meetings list's filters and orders: these and no others."""

    kind = forms.ChoiceField(choices=[("", "")] + Meeting.Kind.choices, required=False)
    status = forms.ChoiceField(choices=[("", "")] + Meeting.Status.choices, required=False)
    sort = forms.ChoiceField(
        choices=[("-starts", _("Latest first")), ("starts", _("Earliest first"))],
        required=False,
    )


MEETING_ORDERS = {"-starts": ("-starts_at", "-id"), "starts": ("starts_at", "id")}


@extend_schema(tags=["meetings"])
class MeetingList(generics.GenericAPIView):
    serializer_class = MeetingSerializer
    pagination_class = MeetingCursor
    ordering = MEETING_ORDERS["-starts"]

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", OpenApiTypes.STR, enum=Meeting.Kind.values),
            OpenApiParameter("status", OpenApiTypes.STR, enum=Meeting.Status.values),
            OpenApiParameter("sort", OpenApiTypes.STR, enum=list(MEETING_ORDERS)),
        ],
        responses=MeetingSerializer(many=True),
    )
    def get(self, request):
        """The meetings the caller may open (as the meetings page), latest first."""
        query = {k: request.GET.get(k, "") for k in MeetingFilterForm.base_fields}
        data = form_data(MeetingFilterForm, query)
        meetings = Meeting.objects.visible_to(request.user)
        if data["kind"]:
            meetings = meetings.filter(kind=data["kind"])
        if data["status"]:
            meetings = meetings.filter(status=data["status"])
        self.ordering = MEETING_ORDERS[data["sort"] or "-starts"]
        page = self.paginate_queryset(meetings)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


@extend_schema(tags=["meetings"])
class MeetingDetail(generics.RetrieveAPIView):
    """One meeting, for those who may open its page (404 for anyone else)."""

    serializer_class = MeetingSerializer

    def get_object(self):
        return meeting_access.meeting_for_user(self.request.user, self.kwargs["pk"])


def _period(request) -> kpis.Period:
    try:
        return kpis.parse_period(request.GET.get("period"), today=timezone.localdate())
    except ValueError:
        raise ValidationError(
            {"period": [_("Name a quarter (2026Q3) or a year (2026).")]}
        ) from None


def _department(request) -> Department | None:
    """The department of ``?department=``: one of the caller's own, or any for those who read
    the whole ledger; without it, the district, for those alone."""
    user = request.user
    reads_all = roles.can_read_all_issues(user)
    raw = request.GET.get("department", "")
    if not raw:
        if not reads_all:
            raise PermissionDenied
        return None
    department = Department.objects.filter(pk=params.parse_id(raw) or 0).first()
    if department is None:
        raise Http404
    if not reads_all and department.pk not in roles.department_ids(user):
        raise PermissionDenied
    return department


@extend_schema(
    tags=["kpis"],
    parameters=[
        OpenApiParameter("period", OpenApiTypes.STR, description="2026Q3 or 2026"),
        OpenApiParameter("department", OpenApiTypes.INT),
    ],
    responses=KpiReportSerializer,
)
class KpiReport(generics.GenericAPIView):
    serializer_class = KpiReportSerializer

    def get(self, request):
        """The dashboard's KPIs for a period (this quarter by default): the district's (the
        chair's office and commerce staff) or one department's (also its head and liaisons),
        the same figures as the dashboard's pages."""
        department = _department(request)
        period = _period(request)
        figures = overviews.figures_of(period, department_id=department and department.pk)
        data = {
            "period": period.key,
            "start": period.start,
            "end": period.end,
            "department": department and {"id": department.pk, "name": department.name},
            "kpis": reports.kpi_values(figures),
        }
        return Response(KpiReportSerializer(data).data)
