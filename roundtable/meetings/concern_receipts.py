"""The e-mail that gives a public-form concern's sender their status link.

Sent by the worker (``tasks.deliver_concern_receipts``, every minute), never from the web
request: each sender's row is claimed by a conditional update, so a second worker or a rerun
sends nothing twice; a claim older than the lease is taken again (a worker killed while
sending). The token is made when the message is built, so no secret waits in the table: only
its hash is stored. The message is in the language the form was filled in.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from roundtable.meetings.models import ConcernSender
from roundtable.meetings.services.concerns import status_token_issue

logger = logging.getLogger(__name__)

KIND = "portal/concern_receipt"
LEASE = timedelta(minutes=10)
MAX_TRIES = 5


def receipt_message(sender: ConcernSender, token: str) -> EmailMultiAlternatives:
    language = sender.language or settings.LANGUAGE_CODE
    with translation.override(language):
        url = settings.SITE_URL + reverse("portal:concern_status", args=[token])
        context = {"sender": sender, "url": url, "language": language}
        subject = render_to_string(f"emails/{KIND}.subject.txt", context)
        text = render_to_string(f"emails/{KIND}.txt", context)
        html = render_to_string(f"emails/{KIND}.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[sender.email],
    )
    message.attach_alternative(html, "text/html")
    return message


def _due(now: datetime):
    return ConcernSender.objects.filter(
        Q(receipt_claimed_at__isnull=True) | Q(receipt_claimed_at__lt=now - LEASE),
        receipt_sent_at__isnull=True,
        receipt_tries__lt=MAX_TRIES,
    )


def concern_receipts_deliver(*, now: datetime | None = None, limit: int = 100) -> int:
    """Send the status links still due; returns how many went out."""
    now = now or timezone.now()
    sent = 0
    for pk in list(_due(now).order_by("pk").values_list("pk", flat=True)[:limit]):
        # The claim: only one worker turns this row's claim from "none or stale" to now.
        if not _due(now).filter(pk=pk).update(receipt_claimed_at=now):
            continue
        sender = ConcernSender.objects.get(pk=pk)
        try:
            receipt_message(sender, status_token_issue(sender)).send()
        except Exception as exc:  # the mail server refused or timed out: try again later
            logger.warning("concern receipt %s not sent", pk, exc_info=True)
            ConcernSender.objects.filter(pk=pk).update(
                receipt_claimed_at=None,
                receipt_tries=sender.receipt_tries + 1,
                receipt_error=str(exc)[:300],
            )
            continue
        ConcernSender.objects.filter(pk=pk).update(
            receipt_sent_at=timezone.now(), receipt_tries=sender.receipt_tries + 1
        )
        sent += 1
    return sent
