"""The enterprise side's URLs, under /portal/ (namespace ``portal``). Every view but the
invitation's and the public concern form's (with its status link) is wrapped in
``access.contact_required``; staff never reach these pages, and contacts reach nothing else
(accounts.middleware.EnterpriseSideMiddleware)."""

from django.urls import path, re_path

from roundtable.portal import views, views_concerns, views_issues, views_meetings, views_notices

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
    # Concerns: a contact's (raise one, follow the enterprise's), and the public form's.
    path("concerns/", views_concerns.concern_list, name="concerns"),
    path("concerns/new/", views_concerns.concern_new, name="concern_new"),
    path(
        "concerns/<int:pk>/files/<int:file_pk>/",
        views_concerns.concern_file,
        name="concern_file",
    ),
    path("concern/", views_concerns.concern_public, name="concern_public"),
    path("concern/sent/", views_concerns.concern_sent, name="concern_sent"),
    # The status link's token: 16 random bytes or more, URL-safe; anything else is 404.
    re_path(
        r"^concern/status/(?P<token>[A-Za-z0-9_-]{22,64})/$",
        views_concerns.concern_status,
        name="concern_status",
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
