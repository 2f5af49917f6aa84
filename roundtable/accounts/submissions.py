"""One create per form: the double-submit guard of every form that creates something.

Each create form carries a fresh token (``{% submission_token %}``). The view hands its
create to ``create_once``, which stores the token with the created object's id in the same
transaction. Sent again with the same token, the form finds that object (``already_created``)
and the view redirects to it: nothing is created twice, whether the first answer was lost to
a double click, a browser retry or a session that could not be saved. The token lives in
the database beside what it created, never in the session, which may be what failed.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from roundtable.accounts.models import FormSubmission

FIELD = "submission_token"
HEADER = "Idempotency-Key"
KEPT = timedelta(days=30)  # longer than any form stays open, or is sent again from history
_VALID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

M = TypeVar("M", bound=Model)

ALREADY_SUBMITTED = _("This form was already submitted; here is what it created.")


def new_token() -> str:
    return secrets.token_urlsafe(24)


def submitted_token(request) -> str:
    """The form's token, or "" when it has none or not one this module made. An API client
    (roundtable/api/) sends its own as an ``Idempotency-Key`` header, of the same form."""
    token = request.POST.get(FIELD, "") or request.headers.get(HEADER, "")
    return token if _VALID.match(token) else ""


def already_created(request, model: type[M]) -> M | None:
    """The ``model`` object that an earlier sending of this form created, if any. Check it
    before validating the form: what was valid then may not be now."""
    token = submitted_token(request)
    if not token or not request.user.is_authenticated:
        return None
    row = (
        FormSubmission.objects.filter(user=request.user, token=token)
        .values_list("content_type_id", "object_id")
        .first()
    )
    if row is None or row[0] != ContentType.objects.get_for_model(model).pk:
        return None
    return model._default_manager.filter(pk=row[1]).first()


def create_once(request, model: type[M], create: Callable[[], M]) -> tuple[M, bool]:
    """``create()`` and the form's token in one transaction: ``(object, True)``. When another
    sending of the same form got there first (two requests at once), ``create()``'s work is
    rolled back and the answer is that one's ``(object, False)``. Exceptions of ``create()``
    pass through with nothing written."""
    token = submitted_token(request)
    if not token:
        return create(), True
    try:
        with transaction.atomic():
            created = create()
            FormSubmission.objects.create(
                user=request.user,
                token=token,
                content_type=ContentType.objects.get_for_model(model),
                object_id=created.pk,
            )
    except IntegrityError:
        earlier = already_created(request, model)
        if earlier is None:
            raise
        return earlier, False
    return created, True


def expired(now):
    """The tokens kept long enough (``KEPT``), which the nightly purge deletes
    (roundtable/notifications/retention.py): a form sent again after that creates anew."""
    return FormSubmission.objects.filter(created_at__lt=now - KEPT).order_by()
