from django.urls import path

from issues import (
    views,
    views_deadlines,
    views_export,
    views_import,
    views_lists,
    views_studies,
)

app_name = "issues"

urlpatterns = [
    path("", views_lists.ledger, name="ledger"),
    path("export.xlsx", views_export.export_xlsx, name="export_xlsx"),
    path("export.csv", views_export.export_csv, name="export_csv"),
    path("new/", views.issue_new, name="new"),
    path("import/", views_import.import_upload, name="import"),
    path("import/template.xlsx", views_import.import_template, name="import_template"),
    path("import/<str:token>/", views_import.import_preview, name="import_preview"),
    path("my-department/", views_lists.my_department, name="my_department"),
    path("supervision/", views_lists.my_supervision, name="supervision"),
    path("deadlines/preview/", views_deadlines.deadline_preview, name="deadline_preview"),
    path(
        "deadlines/provisional/",
        views_deadlines.provisional_deadlines,
        name="provisional_deadlines",
    ),
    path("<int:pk>/", views.issue_detail, name="detail"),
    path("<int:pk>/edit/", views.issue_edit, name="edit"),
    path("<int:pk>/assign/", views.issue_assign, name="assign"),
    path(
        "<int:pk>/assignments/<int:assignment_pk>/accept/",
        views.assignment_accept,
        name="accept",
    ),
    path(
        "<int:pk>/assignments/<int:assignment_pk>/return/",
        views.assignment_return,
        name="return",
    ),
    path("<int:pk>/progress/", views.issue_progress, name="progress"),
    path("<int:pk>/extension/", views.issue_extension, name="extension"),
    path(
        "<int:pk>/extension/<int:extension_pk>/decide/",
        views.extension_decide,
        name="extension_decide",
    ),
    path("<int:pk>/conclude/", views.issue_conclude, name="conclude"),
    path("<int:pk>/close/", views.issue_close, name="close"),
    path("<int:pk>/reopen/", views.issue_reopen, name="reopen"),
    path("<int:pk>/instruction/", views.issue_instruction, name="instruction"),
    path("<int:pk>/history/", views.issue_history, name="history"),
    path("<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment",
    ),
    path("studies/", views_studies.study_list, name="studies"),
    path("studies/new/", views_studies.study_new, name="study_new"),
    path("studies/<int:pk>/", views_studies.study_detail, name="study_detail"),
    path("studies/<int:pk>/edit/", views_studies.study_edit, name="study_edit"),
]
