from django.urls import path

from roundtable.dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.overview, name="overview"),
    path("dashboard/department/", views.department, name="department"),
    path("dashboard/report/", views.report, name="report"),
    path("dashboard/report.xlsx", views.report_xlsx, name="report_xlsx"),
]
