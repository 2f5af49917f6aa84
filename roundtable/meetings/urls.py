from django.urls import path, re_path

from roundtable.meetings import views

app_name = "meetings"

urlpatterns = [
    path("roundtable/", views.roundtable, name="roundtable"),
    path("roundtable/edit/", views.roundtable_edit, name="roundtable_edit"),
    path("roundtable/seats/new/", views.seat_new, name="seat_new"),
    path("roundtable/seats/<int:pk>/change/", views.seat_change, name="seat_change"),
    path("roundtable/seats/<int:pk>/end/", views.seat_end, name="seat_end"),
    path("meetings/", views.meeting_list, name="list"),
    path("meetings/new/", views.meeting_new, name="new"),
    path("meetings/visit/", views.visit_new, name="visit_new"),
    path("meetings/<int:pk>/", views.meeting_detail, name="detail"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="edit"),
    path("meetings/<int:pk>/cancel/", views.meeting_cancel, name="cancel"),
    path("meetings/<int:pk>/list.xlsx", views.export_xlsx, name="export_xlsx"),
    path("meetings/<int:pk>/intake/open/", views.intake_open, name="intake_open"),
    path("meetings/<int:pk>/intake/new/", views.intake_new, name="intake_new"),
    path(
        "meetings/<int:pk>/intake/<int:item_pk>/status/",
        views.intake_status,
        name="intake_status",
    ),
    path(
        "meetings/<int:pk>/intake/<int:item_pk>/consult/",
        views.intake_consult,
        name="intake_consult",
    ),
    path(
        "meetings/<int:pk>/consultations/<int:consultation_pk>/reply/",
        views.consultation_reply,
        name="consultation_reply",
    ),
    path("meetings/<int:pk>/agenda/", views.agenda, name="agenda"),
    path("meetings/<int:pk>/attendance/", views.attendance, name="attendance"),
    path("meetings/<int:pk>/minutes/", views.minutes, name="minutes"),
    path("meetings/<int:pk>/points/new/", views.point_new, name="point_new"),
    # The intake queue: enterprises' concerns waiting for the staff's decision.
    path("concerns/", views.concern_queue, name="concerns"),
    path("concerns/<int:pk>/", views.concern_detail, name="concern"),
    path("concerns/<int:pk>/files/<int:file_pk>/", views.concern_file, name="concern_file"),
    path("concerns/<int:pk>/accept/", views.concern_accept, name="concern_accept"),
    path("concerns/<int:pk>/attach/", views.concern_attach, name="concern_attach"),
    path("concerns/<int:pk>/merge/", views.concern_merge, name="concern_merge"),
    path("concerns/<int:pk>/answer/", views.concern_answer, name="concern_answer"),
    path("concerns/<int:pk>/match/", views.concern_match, name="concern_match"),
    # The token is 43 URL-safe characters (secrets.token_urlsafe(32)); anything else is 404.
    re_path(r"^calendar/(?P<token>[A-Za-z0-9_-]{43})\.ics$", views.feed, name="feed"),
    path("calendar/", views.feed_settings, name="feed_settings"),
]
