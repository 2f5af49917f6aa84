"""Background jobs of the meetings app."""

from celery import shared_task

from roundtable.meetings import concern_receipts


@shared_task(ignore_result=True)
def deliver_concern_receipts() -> int:
    """E-mail public-form senders their status link (each exactly once, claimed)."""
    return concern_receipts.concern_receipts_deliver()
