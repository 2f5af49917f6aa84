"""The "ledger version": one number in Django's cache that every change to the issues raises.

issues/services/ calls ``bump()`` once a change commits; whatever keeps figures computed from
the ledger (the dashboard's cache, roundtable/dashboard/cache.py) puts ``version()`` in its
keys, so the next read after a change misses and recomputes. It lives here, below both, so that
the issues never import the dashboard.

The cache is Django's default: Redis when REDIS_URL is set, local memory otherwise. A cache
that fails (Redis down) never fails the caller: ``version()`` returns 0 (cache nothing) and
``bump()`` logs.
"""

import logging
import time

from django.core.cache import cache

logger = logging.getLogger(__name__)

VERSION_KEY = "dashboard:ledger-version"


def _initial() -> int:
    # Milliseconds: a version key that was evicted restarts above every number used before,
    # so old entries can never be taken for new ones.
    return int(time.time() * 1000)


def version() -> int:
    """The current ledger version (created on demand); 0 when the cache is unavailable."""
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
    """Invalidate everything cached under the ledger version: the ledger changed."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # no version yet, or it was evicted
        cache.add(VERSION_KEY, _initial(), timeout=None)
    except Exception:
        logger.warning("dashboard cache unavailable", exc_info=True)
