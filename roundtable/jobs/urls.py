from django.urls import path

from roundtable.jobs import views

app_name = "jobs"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/progress", views.progress, name="progress"),
    path("<int:pk>/download", views.download, name="download"),
]
