"""The enterprise side's URLs, under /portal/ (namespace ``portal``). Every view but the
invitation's is wrapped in ``access.contact_required``; staff never reach these pages, and
contacts reach nothing else (accounts.middleware.EnterpriseSideMiddleware)."""

from django.urls import path

from roundtable.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("welcome/<uidb64>/<token>/", views.WelcomeView.as_view(), name="welcome"),
]
