from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from roundtable.api import views, views_issues

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", views.docs, name="docs"),
    path("issues/", views_issues.IssueList.as_view(), name="issue_list"),
    path("issues/<int:pk>/", views_issues.IssueDetail.as_view(), name="issue_detail"),
    path("issues/<int:pk>/timeline/", views_issues.IssueTimeline.as_view(), name="issue_timeline"),
    path("issues/<int:pk>/progress/", views_issues.IssueProgress.as_view(), name="issue_progress"),
    path("issues/<int:pk>/assign/", views_issues.IssueAssign.as_view(), name="issue_assign"),
    path(
        "issues/<int:pk>/assignments/",
        views_issues.AssignmentList.as_view(),
        name="assignment_list",
    ),
    path(
        "issues/<int:pk>/assignments/<int:assignment_pk>/",
        views_issues.AssignmentDetail.as_view(),
        name="assignment_detail",
    ),
    path(
        "issues/<int:pk>/assignments/<int:assignment_pk>/accept/",
        views_issues.AssignmentAccept.as_view(),
        name="assignment_accept",
    ),
    path(
        "issues/<int:pk>/assignments/<int:assignment_pk>/return/",
        views_issues.AssignmentReturn.as_view(),
        name="assignment_return",
    ),
    path(
        "issues/<int:pk>/conclusion/",
        views_issues.IssueConclusion.as_view(),
        name="issue_conclusion",
    ),
    path("issues/<int:pk>/close/", views_issues.IssueClose.as_view(), name="issue_close"),
    path("issues/<int:pk>/reopen/", views_issues.IssueReopen.as_view(), name="issue_reopen"),
    path(
        "issues/<int:pk>/instructions/",
        views_issues.IssueInstruction.as_view(),
        name="issue_instruction",
    ),
    path(
        "issues/<int:pk>/extensions/",
        views_issues.IssueExtensions.as_view(),
        name="issue_extensions",
    ),
    path(
        "issues/<int:pk>/extensions/<int:extension_pk>/decide/",
        views_issues.ExtensionDecide.as_view(),
        name="extension_decide",
    ),
    path("enterprises/", views.EnterpriseList.as_view(), name="enterprise_list"),
    path("enterprises/<int:pk>/", views.EnterpriseDetail.as_view(), name="enterprise_detail"),
    path("departments/", views.DepartmentList.as_view(), name="department_list"),
    path("meetings/", views.MeetingList.as_view(), name="meeting_list"),
    path("meetings/<int:pk>/", views.MeetingDetail.as_view(), name="meeting_detail"),
    path("kpis/", views.KpiReport.as_view(), name="kpis"),
]
