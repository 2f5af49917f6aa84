"""An endpoint with one delivery, for the access matrix (tests/security/matrix_webhooks.yaml).
Written directly: the matrix's world has no resolver for the endpoint's host."""

from django.utils import timezone

from roundtable.webhooks.models import Delivery, Endpoint, Event


def build(issue) -> dict:
    endpoint = Endpoint.objects.create(
        name="Municipal data exchange",
        url="https://hooks.example.com/roundtable",
        secret="whsec_matrix",
        events=[Event.CREATED, Event.CLOSED],
    )
    Delivery.objects.create(
        endpoint=endpoint,
        event=Event.CREATED,
        event_id="6b0d3f6e-5a51-4c3e-9e0a-3c7a1b0f2d11",
        issue=issue,
        payload={"event": Event.CREATED, "issue": {"reference": issue.reference}},
        status=Delivery.Status.DELIVERED,
        attempts=1,
        response_status=200,
        delivered_at=timezone.now(),
    )
    return {"hook": endpoint.pk}
