"""Where a lower layer hands e-mail to the outbox, which a higher layer owns.

The outbox is the reminder log (``notifications.ReminderLog``, sent by
``roundtable/notifications/delivery.py``): a row written in the caller's transaction, claimed
exactly once by the every-minute delivery task, retried with back-off while the mail server is
down, and never sent from a web request. Accounts (a lower layer) may not import
notifications, so the two meet here:

- a sender registers each kind of message it queues with ``register``: a label for the
  reminder log, and a function that builds the message for its recipient. The worker calls it
  when the message goes out, so a link with a token is made then, and nothing secret waits in
  the table;
- the outbox installs the function that writes its rows with ``install`` (the notifications
  app's AppConfig);
- ``queue`` writes one row, inside the caller's transaction.

A message of a registered kind always goes on its own, never merged into the recipient's
reminder digest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class MailKind:
    kind: str
    label: object  # lazy text
    build: Callable  # build(recipient) -> EmailMultiAlternatives, in the recipient's language


_kinds: dict[str, MailKind] = {}
_writer: Callable | None = None


def register(kind: str, *, label, build: Callable) -> None:
    _kinds[kind] = MailKind(kind=kind, label=label, build=build)


def get(kind: str) -> MailKind | None:
    return _kinds.get(kind)


def labels() -> dict[str, object]:
    return {kind: entry.label for kind, entry in _kinds.items()}


def install(writer: Callable) -> None:
    """``writer(kind=..., recipient_id=...)`` writes one outbox row."""
    global _writer
    _writer = writer


def queue(*, kind: str, recipient_id: int) -> None:
    """Queue one message of a registered ``kind`` to a user, in the current transaction: it
    is sent if and when the transaction commits, by the worker, within about a minute."""
    if kind not in _kinds:
        raise ImproperlyConfigured(f"mail kind {kind!r} is not registered")
    if _writer is None:
        raise ImproperlyConfigured("no outbox is installed (INSTALLED_APPS lacks it)")
    _writer(kind=kind, recipient_id=recipient_id)
