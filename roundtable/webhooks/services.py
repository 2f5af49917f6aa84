"""Outbound webhooks' rules: endpoints registered by administrators, and one delivery per
event and endpoint when the ledger announces an event (``issues/events.py``)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from issues.events import Occurrence
from issues.models import Issue
from roundtable.accounts import roles
from roundtable.accounts.models import User
from roundtable.lib import cached
from roundtable.webhooks import addresses
from roundtable.webhooks.models import Delivery, Endpoint, Event

# Which active endpoints receive which event, kept in the cache so that a step of the lifecycle
# costs no query when nothing subscribes to it. The endpoint services clear it; another process
# with a cache of its own (the embedded default's worker) sees a change within this long.
SUBSCRIPTIONS_SECONDS = 60

# deliveries_create reports at most this many new deliveries' ids (the day's overdue issues
# can be many); beat's periodic sweep sends them all.
ENQUEUE_AT_MOST = 50


def _subscriptions_key() -> str:
    return cached.site_key("webhooks:subscriptions")


def subscriptions() -> dict[str, list[int]]:
    """For each event, the ids of the active endpoints that receive it."""

    def read() -> dict[str, list[int]]:
        found: dict[str, list[int]] = {}
        for pk, subscribed in Endpoint.objects.filter(is_active=True).values_list("pk", "events"):
            for event in subscribed:
                found.setdefault(event, []).append(pk)
        return found

    key = _subscriptions_key()
    return cached.read_through(key, read, SUBSCRIPTIONS_SECONDS, "webhook subscriptions")


def subscriptions_changed() -> None:
    """After an endpoint is saved (here or in the Django admin): read them again."""
    cached.forget([_subscriptions_key()], "webhook subscriptions")


def _check_administrator(actor: User) -> None:
    if not roles.is_administrator(actor):
        raise PermissionDenied


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def endpoint_create(*, actor: User, name: str, url: str, events: Sequence[str]) -> Endpoint:
    """Register an endpoint with a new secret. The URL must pass ``addresses.check``."""
    _check_administrator(actor)
    addresses.check(url)
    endpoint = Endpoint.objects.create(
        name=name.strip(),
        url=url,
        events=[e for e in Event.values if e in events],
        secret=new_secret(),
        created_by=actor,
    )
    subscriptions_changed()
    return endpoint


def endpoint_update(
    *, actor: User, endpoint: Endpoint, name: str, url: str, events: Sequence[str], is_active: bool
) -> Endpoint:
    _check_administrator(actor)
    if url != endpoint.url:
        addresses.check(url)
    endpoint.name = name.strip()
    endpoint.url = url
    endpoint.events = [e for e in Event.values if e in events]
    endpoint.is_active = is_active
    endpoint.save()
    subscriptions_changed()
    return endpoint


def endpoint_deactivate(*, actor: User, endpoint: Endpoint) -> Endpoint:
    """No new deliveries; pending ones are not sent (each fails with the reason)."""
    _check_administrator(actor)
    Endpoint.objects.filter(pk=endpoint.pk).update(is_active=False, updated_at=timezone.now())
    endpoint.is_active = False
    subscriptions_changed()
    return endpoint


def endpoint_new_secret(*, actor: User, endpoint: Endpoint) -> Endpoint:
    """A new secret at once; the receiver must be given it before the next delivery."""
    _check_administrator(actor)
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret", "updated_at"])
    return endpoint


def issue_payload(event: str, occurrence: Occurrence, issue: Issue | None) -> dict:
    """What a receiver is told: the event, its id and time, and the issue's reference, status
    and links; nothing of the issue's text beyond its title (no notes, no descriptions)."""
    body = {
        "event": event,
        "id": str(occurrence.event_id),
        "occurred_at": occurrence.occurred_at.isoformat(),
        "issue": {"id": occurrence.issue_id},
    }
    if issue is not None:
        body["issue"] |= {
            "reference": issue.reference,
            "title": issue.title,
            "status": occurrence.status or issue.status,
            "deadline": issue.deadline.isoformat() if issue.deadline else None,
            "lead_department": issue.lead_department_id,
            "url": settings.SITE_URL + reverse("issues:detail", args=[issue.pk]),
            "api_url": settings.SITE_URL + reverse("api:issue_detail", args=[issue.pk]),
        }
    return body


def deliveries_create(*, occurrences: Sequence[Occurrence]) -> list[int]:
    """One pending delivery per occurrence and active endpoint subscribed to its event; an
    occurrence already recorded for an endpoint (the unique event id and endpoint) is kept as
    it is. Returns the ids of the deliveries not yet attempted; beat's periodic sweep
    (``tasks.deliver_due``) sends them: a request never talks to the broker. No query when no
    endpoint receives these events (the subscriptions are cached), three otherwise whatever
    their number (plus inserts in batches)."""
    subscribed = subscriptions()
    wanted = [(o, pk) for o in occurrences for pk in subscribed.get(o.event, ())]
    if not wanted:
        return []
    issue_ids = {o.issue_id for o, _ in wanted}
    issues = {i.pk: i for i in Issue.objects.filter(pk__in=issue_ids)}
    payloads = {}
    rows = []
    now = timezone.now()
    for occurrence, endpoint_id in wanted:
        key = occurrence.event_id
        if key not in payloads:
            issue = issues.get(occurrence.issue_id)
            payloads[key] = issue_payload(occurrence.event, occurrence, issue)
        rows.append(
            Delivery(
                endpoint_id=endpoint_id,
                event=occurrence.event,
                event_id=occurrence.event_id,
                issue_id=occurrence.issue_id if occurrence.issue_id in issues else None,
                payload=payloads[key],
                next_attempt_at=now,
            )
        )
    with transaction.atomic():
        Delivery.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
        new = list(
            Delivery.objects.filter(
                event_id__in=list(payloads)[: ENQUEUE_AT_MOST + 1],
                status=Delivery.Status.PENDING,
                attempts=0,
            ).values_list("pk", flat=True)[: ENQUEUE_AT_MOST + 1]
        )
    return new


def on_issue_event(sender, *, occurrences: Sequence[Occurrence], **kwargs) -> None:
    """The receiver of ``issues.events.issue_event``."""
    deliveries_create(occurrences=occurrences)
