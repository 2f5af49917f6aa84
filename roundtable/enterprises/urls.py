from django.urls import path

from roundtable.enterprises import views

app_name = "enterprises"

urlpatterns = [
    path("autocomplete/enterprises/", views.autocomplete, name="autocomplete"),
    path("enterprises/", views.enterprise_list, name="list"),
    path("enterprises/new/", views.enterprise_new, name="new"),
    path("enterprises/portfolio/", views.portfolio, name="portfolio"),
    path("enterprises/portfolios/", views.portfolios, name="portfolios"),
    path("enterprises/portfolios/reassign/", views.reassign, name="reassign"),
    path("enterprises/<int:pk>/", views.enterprise_detail, name="detail"),
    path("enterprises/<int:pk>/edit/", views.enterprise_edit, name="edit"),
    path("enterprises/<int:pk>/contacts/new/", views.contact_new, name="contact_new"),
    path(
        "enterprises/<int:pk>/contacts/<int:contact_pk>/edit/",
        views.contact_edit,
        name="contact_edit",
    ),
    path(
        "enterprises/<int:pk>/contacts/<int:contact_pk>/invite/",
        views.contact_invite,
        name="contact_invite",
    ),
    path(
        "enterprises/<int:pk>/contacts/<int:contact_pk>/end-access/",
        views.contact_end_access,
        name="contact_end_access",
    ),
]
