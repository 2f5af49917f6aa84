"""Where a lower layer hands an in-app notice to the notifications app, which a higher layer
owns (``roundtable.notifications``: the bell in the header, and an e-mail for each notice).

Issues writes a notice in the transaction of the change it announces, but may not import
notifications, so the two meet here: the notifications app installs its writer with
``install`` when it starts, and ``write`` hands it the notices.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Notice:
    """One in-app notice to one person: its title and reason as phrases
    (``roundtable/lib/phrases.py``, worded when read) and as text in the recipient's language
    of the moment (kept for searching, and as the fallback)."""

    recipient_id: int
    title: str
    reason: str = ""
    url: str = ""
    issue_id: int | None = None
    title_phrase: dict | None = None
    reason_phrase: dict | None = None


_writer: Callable[[Sequence[Notice]], None] | None = None


def install(writer: Callable[[Sequence[Notice]], None]) -> None:
    """``writer(notices)`` writes the notices, in the caller's transaction."""
    global _writer
    _writer = writer


def write(notices: Sequence[Notice]) -> None:
    if _writer is None:
        raise ImproperlyConfigured("no notice writer is installed (INSTALLED_APPS lacks it)")
    _writer(notices)
