"""The worker's side of outbound webhooks: one delivery's attempt, and the periodic sweep of
every due attempt (retries, and deliveries whose message was lost)."""

from celery import shared_task

from roundtable.webhooks import sending


@shared_task(name="roundtable.webhooks.tasks.deliver")
def deliver(delivery_id: int) -> None:
    sending.delivery_attempt(pk=delivery_id)


@shared_task(name="roundtable.webhooks.tasks.deliver_due")
def deliver_due() -> int:
    sent = 0
    for pk in sending.deliveries_due():
        if sending.delivery_attempt(pk=pk) is not None:
            sent += 1
    return sent
