"""Values kept in the cache only to save queries: a cache that fails (Redis down) is logged
and the value is read from the database instead, never a failed request.

Keys are named after the database too: two sites (or test runs) may share one Redis."""

import logging
from collections.abc import Callable, Iterable

from django.core.cache import cache
from django.db import connection, transaction

logger = logging.getLogger(__name__)


def site_key(name: str) -> str:
    return f"{name}:{connection.settings_dict['NAME']}"


def read_through(key: str, build: Callable, seconds: int, what: str):
    """The value kept under ``key``, else ``build()``'s, kept for ``seconds``."""
    try:
        found = cache.get(key)
    except Exception:
        logger.warning("cache unavailable; reading %s", what, exc_info=True)
        return build()
    if found is None:
        found = build()
        try:
            cache.set(key, found, seconds)
        except Exception:
            logger.warning("could not keep %s in the cache", what, exc_info=True)
    return found


def forget(keys: Iterable[str], what: str) -> None:
    """Drop ``keys`` now, and again once the change in progress commits, lest a request read
    the rows before it and keep them."""
    keys = list(keys)

    def drop():
        try:
            cache.delete_many(keys)
        except Exception:
            logger.warning("could not clear %s in the cache", what, exc_info=True)

    drop()
    transaction.on_commit(drop)
