"""The API's refusals as JSON ``{"detail": …}`` in the caller's language: the lifecycle's
refusals (``TransitionRefused``) answer 409 as the pages do, a stale ``If-Match`` 412, and a
missing one 428."""

from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from issues import services


class PreconditionRequired(APIException):
    status_code = 428
    default_detail = _("Send the issue's ETag in an If-Match header.")
    default_code = "precondition_required"


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _("The issue changed since you read it; read it again.")
    default_code = "precondition_failed"


def exception_handler(exc, context):
    if isinstance(exc, services.StaleVersion):
        exc = PreconditionFailed()
    elif isinstance(exc, services.TransitionRefused):
        return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
    return drf_exception_handler(exc, context)
