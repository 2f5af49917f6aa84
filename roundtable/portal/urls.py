"""The enterprise side's URLs, under /portal/ (namespace ``portal``). Every view but the
invitation's is wrapped in ``access.contact_required``; staff never reach these pages, and
contacts reach nothing else (accounts.middleware.EnterpriseSideMiddleware)."""

from django.urls import path

from roundtable.portal import views, views_issues, views_meetings, views_notices

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("welcome/<uidb64>/<token>/", views.WelcomeView.as_view(), name="welcome"),
    path("issues/", views_issues.issue_list, name="issues"),
    path("issues/<int:pk>/", views_issues.issue_detail, name="issue"),
    path(
        "issues/<int:pk>/information/",
        views_issues.issue_add_information,
        name="issue_add_information",
    ),
    path("issues/<int:pk>/confirm/", views_issues.issue_confirm, name="issue_confirm"),
    path(
        "issues/<int:pk>/attachments/<int:attachment_pk>/",
        views_issues.attachment_download,
        name="attachment",
    ),
    path("roundtables/", views_meetings.meeting_list, name="meetings"),
    path("roundtables/<int:pk>/", views_meetings.meeting_detail, name="meeting"),
    path(
        "roundtables/<int:pk>/register/",
        views_meetings.meeting_register,
        name="meeting_register",
    ),
    # Policy notices (roundtable/notices): the contact's inbox.
    path("notices/", views_notices.notice_inbox, name="notices"),
    path("notices/read-all/", views_notices.notices_read_all, name="notices_read_all"),
    path("notices/<int:pk>/", views_notices.notice_detail, name="notice"),
    path(
        "notices/<int:pk>/files/<int:attachment_pk>/",
        views_notices.notice_attachment,
        name="notice_attachment",
    ),
]
