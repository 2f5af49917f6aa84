"""The project's URLs plus one view that fails, for the 500 page's tests."""

from django.urls import path

from roundtable.urls import handler500
from roundtable.urls import urlpatterns as project_urlpatterns


def boom(request):
    raise RuntimeError("boom for the test")


urlpatterns = [path("boom/", boom), *project_urlpatterns]
__all__ = ["handler500", "urlpatterns"]
