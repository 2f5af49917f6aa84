"""The dashboard's cache: computed figures kept under a key holding the "ledger version".

Every change to an issue goes through issues/services/, which calls ``bump()``
(roundtable/lib/ledger_version.py) once the transaction commits; the next dashboard request
then misses the cache and recomputes. Bulk loads (``load_demo --issues``) bypass the services,
so entries also expire after ``TTL``.

The cache is Django's default: Redis when REDIS_URL is set, local memory otherwise. Local
memory is per process, so with several web processes a bump reaches only the one that made the
change; the others catch up within ``TTL``. A cache that fails (Redis down) never fails the
page: the figures are computed instead.

An edit of the working-day calendar needs no bump: the calendar's version, read from the
database once per request, is part of every key, so every process sees the edit at once.
"""

import hashlib
import logging

from django.core.cache import cache

from roundtable.lib.ledger_version import VERSION_KEY, bump, version
from roundtable.workdays import services as workdays

logger = logging.getLogger(__name__)

__all__ = ["VERSION_KEY", "bump", "get_or_compute", "version"]

TTL = 10 * 60  # seconds


def get_or_compute(name: str, parts: tuple, compute, *, ttl: int = TTL):
    """``compute()``'s result, cached under ``name``, ``parts``, the ledger version and the
    working-day calendar's version: the figures count working days, so an edit of the
    calendar (in any process: the version is in the database) recomputes them at once."""
    current = version()
    calendar = workdays.calendar_version()
    digest = hashlib.sha1("|".join(map(str, parts)).encode(), usedforsecurity=False).hexdigest()
    key = f"dashboard:{name}:{current}:{calendar}:{digest}"
    if current:
        try:
            value = cache.get(key)
        except Exception:
            value = None
        if value is not None:
            return value
    value = compute()
    if current:
        try:
            cache.set(key, value, ttl)
        except Exception:
            logger.warning("dashboard cache unavailable", exc_info=True)
    return value
