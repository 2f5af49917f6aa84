"""The API's reads of enterprises and departments, and its documentation page. The issues
are in views_issues.py. Each view asks the same access functions as the pages."""

from csp.decorators import csp_update
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema
from rest_framework import generics

from departments.models import Department
from roundtable.api.common import IdCursor
from roundtable.api.serializers import DepartmentSerializer, EnterpriseSerializer
from roundtable.enterprises import access as enterprise_access
from roundtable.enterprises.models import Enterprise


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
