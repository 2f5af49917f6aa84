"""URLs of the reminder log (namespace "reminders", at /reminders/) and of the user's own
notifications (namespace "notifications", at /notifications/)."""

from django.urls import path

from roundtable.notifications import views

app_name = "reminders"

urlpatterns = [
    path("log/", views.reminder_log, name="log"),
]

notification_patterns = (
    [
        path("", views.notification_list, name="list"),
        path("<int:pk>/read/", views.notification_read, name="read"),
        path("read-all/", views.notification_read_all, name="read_all"),
    ],
    "notifications",
)
