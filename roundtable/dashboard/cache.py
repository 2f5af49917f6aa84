"""The dashboard's cache: computed figures kept under a key holding the "ledger version".

Every change to an issue goes through issues/services.py, which calls ``bump()`` once the
transaction commits; the next dashboard request then misses the cache and recomputes. Bulk
loads (``load_demo --issues``) bypass the services, so entries also expire after ``TTL``.

The cache is Django's default: Redis when REDIS_URL is set, local memory otherwise. Local
memory is per process, so with several web processes a bump reaches only the one that made the
change; the others catch up within ``TTL``. A cache that fails (Redis down) never fails the
page: the figures are computed instead.

An edit of the working-day calendar needs no bump: the calendar's version, read from the
database once per request, is part of every key, so every process sees the edit at once.
"""

import hashlib
import logging
import time

from django.core.cache import cache

from roundtable.workdays import services as workdays

logger = logging.getLogger(__name__)

VERSION_KEY = "dashboard:ledger-version"
TTL = 10 * 60  # seconds


def _initial() -> int:
    # Milliseconds: a version key that was evicted restarts above every number used before,
    # so old entries can never be taken for new ones.
    return int(time.time() * 1000)


def version() -> int:
    """The current ledger version (created on demand)."""
    try:
        value = cache.get(VERSION_KEY)
        if value is None:
            cache.add(VERSION_KEY, _initial(), timeout=None)
            value = cache.get(VERSION_KEY)
        return int(value) if value is not None else 0
    except Exception:
        logger.warning("dashboard cache unavailable", exc_info=True)
        return 0


def bump() -> None:
    """Invalidate every cached dashboard figure: the ledger changed."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # no version yet, or it was evicted
        cache.add(VERSION_KEY, _initial(), timeout=None)
    except Exception:
        logger.warning("dashboard cache unavailable", exc_info=True)


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
