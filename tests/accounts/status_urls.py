"""The portal's URLs plus two that only tests need: a view that changes the session (to fail
its save) and a view that raises (a server error)."""

from django.http import HttpResponse
from django.urls import path

from roundtable.urls import handler400, handler500
from roundtable.urls import urlpatterns as portal_urlpatterns


def touch_session(request):
    request.session["touched"] = True
    return HttpResponse("saved")


def boom(request):
    raise RuntimeError("boom: secret detail")


urlpatterns = [
    path("test/touch-session/", touch_session),
    path("test/boom/", boom),
    *portal_urlpatterns,
]

__all__ = ["handler400", "handler500", "urlpatterns"]
