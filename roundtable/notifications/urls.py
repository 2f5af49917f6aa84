"""URLs of the reminder log (namespace "reminders", at /reminders/) and of the user's own
notifications (namespace "notifications", at /notifications/)."""

from django.urls import path

from roundtable.notifications import views as views_reminders

app_name = "reminders"

urlpatterns = [
    path("log/", views_reminders.reminder_log, name="log"),
]

notification_patterns = (
    [
        path("", views_reminders.notification_list, name="list"),
        path("<int:pk>/read/", views_reminders.notification_read, name="read"),
        path("read-all/", views_reminders.notification_read_all, name="read_all"),
    ],
    "notifications",
)
