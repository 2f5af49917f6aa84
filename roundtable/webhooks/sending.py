"""Sending a delivery: claim the attempt, sign, POST with a short timeout, record the answer,
and schedule the next attempt with backoff (``WEBHOOKS["RETRY_SCHEDULE"]``) until it is
delivered (a 2xx answer) or ``WEBHOOKS["MAX_ATTEMPTS"]`` are used.

A worker claims an attempt with one conditional UPDATE (pending, due, not held by another
worker's lease) that also counts it; only the worker whose UPDATE changed the row sends it, so
a task run twice, or two workers, never send the same attempt twice. Nothing is held open
while the request is in flight: the lease (``WEBHOOKS["CLAIM_LEASE_SECONDS"]``, longer than the
timeout) lets another worker try again if this one dies mid-send. The receiver may still see an
event twice in that case, which is why each request carries the event id to deduplicate by.

The signature: ``X-Roundtable-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with
the endpoint's secret>``, with ``X-Roundtable-Timestamp`` (Unix seconds) and
``X-Roundtable-Event-Id``; README "Outbound webhooks" shows how to verify it.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import logging
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from roundtable.webhooks import addresses
from roundtable.webhooks.models import Delivery

logger = logging.getLogger(__name__)

USER_AGENT = "Roundtable-Webhooks/1"
BODY_EXCERPT_CHARS = 2000
READ_LIMIT_BYTES = 64 * 1024


def _config(key):
    return settings.WEBHOOKS[key]


def body_bytes(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def headers_for(delivery: Delivery, body: bytes, timestamp: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-Roundtable-Event": delivery.event,
        "X-Roundtable-Event-Id": str(delivery.event_id),
        "X-Roundtable-Delivery": str(delivery.pk),
        "X-Roundtable-Attempt": str(delivery.attempts),
        "X-Roundtable-Timestamp": str(timestamp),
        "X-Roundtable-Signature": signature(delivery.endpoint.secret, timestamp, body),
    }


@dataclass
class Result:
    status: int | None = None
    body: str = ""
    error: str = ""
    duration_ms: int = 0

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, whatever the host name resolves to now."""

    def __init__(self, host, port, address, **kwargs):
        super().__init__(host, port, **kwargs)
        self._address = str(address)

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, address, **kwargs):
        super().__init__(host, port, context=ssl.create_default_context(), **kwargs)
        self._address = str(address)

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict[str, str]) -> Result:
    """POST ``body`` to ``url`` after the address check; never follows a redirect."""
    started = time.monotonic()
    result = Result()
    try:
        scheme, host, port, address = addresses.check(url)
        cls = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
        connection = cls(host, port, address, timeout=_config("TIMEOUT_SECONDS"))
        split = urlsplit(url)
        path = (split.path or "/") + (f"?{split.query}" if split.query else "")
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            result.status = response.status
            result.body = response.read(READ_LIMIT_BYTES).decode("utf-8", errors="replace")
        finally:
            connection.close()
    except addresses.UnsafeURL as exc:
        result.error = str(exc)
    except (OSError, http.client.HTTPException) as exc:
        result.error = f"{type(exc).__name__}: {exc}"[:500]
    result.duration_ms = int((time.monotonic() - started) * 1000)
    result.body = result.body[:BODY_EXCERPT_CHARS]
    return result


def retry_delay(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt."""
    schedule = _config("RETRY_SCHEDULE")
    return timedelta(seconds=schedule[min(attempts, len(schedule)) - 1])


def claim(pk: int, now: datetime) -> bool:
    lease = now + timedelta(seconds=_config("CLAIM_LEASE_SECONDS"))
    return bool(
        Delivery.objects.filter(pk=pk, status=Delivery.Status.PENDING, next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=lease, attempts=F("attempts") + 1, last_attempt_at=now)
    )


def delivery_attempt(*, pk: int, now: datetime | None = None) -> Delivery | None:
    """Send one attempt of a due delivery if this worker claims it; returns the delivery as
    recorded, or None when there was nothing to send (delivered, not due, held elsewhere)."""
    now = now or timezone.now()
    if not claim(pk, now):
        return None
    delivery = Delivery.objects.select_related("endpoint").get(pk=pk)
    if not delivery.endpoint.is_active:
        result = Result(error="endpoint deactivated")
        final = True
    else:
        body = body_bytes(delivery.payload)
        result = post(
            delivery.endpoint.url, body, headers_for(delivery, body, int(now.timestamp()))
        )
        final = result.ok or delivery.attempts >= _config("MAX_ATTEMPTS")
    fields = {
        "claimed_until": None,
        "response_status": result.status,
        "response_body": result.body,
        "error": result.error,
        "duration_ms": result.duration_ms,
    }
    if result.ok:
        fields |= {"status": Delivery.Status.DELIVERED, "delivered_at": timezone.now()}
    elif final:
        fields |= {"status": Delivery.Status.FAILED, "next_attempt_at": None}
    else:
        fields["next_attempt_at"] = now + retry_delay(delivery.attempts)
    # Only while this attempt's claim stands (the same count of attempts).
    Delivery.objects.filter(pk=pk, attempts=delivery.attempts).update(**fields)
    for key, value in fields.items():
        setattr(delivery, key, value)
    logger.info(
        "webhook %s %s to endpoint %s attempt %s: %s",
        delivery.event,
        delivery.event_id,
        delivery.endpoint_id,
        delivery.attempts,
        result.status or result.error,
    )
    return delivery


def deliveries_due(*, now: datetime | None = None, limit: int = 100) -> list[int]:
    """The ids of deliveries due for an attempt (new, retries, and claims whose lease ran
    out), oldest first."""
    now = now or timezone.now()
    return list(
        Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
