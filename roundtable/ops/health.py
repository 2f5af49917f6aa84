"""Liveness and readiness, for the proxy, the container runtime and monitoring.

``/healthz`` says the process answers; it touches nothing else. ``/readyz`` says whether the
site is whole: the database, the cache, the broker, a recent worker heartbeat, and (as a
warning only) next year's working-day calendar from November on. Each check is bounded (the
cache and broker clients time out after CHECK_TIMEOUT seconds) and the answer is kept for
CACHE_SECONDS per process, so a probe every second costs one round of checks a second at most.

The answer names each check and says ok, warn or fail; nothing else (no error text, no host
names), so it needs no sign-in. The reason of a failure goes to the log, once per change.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

OK, WARN, FAIL = "ok", "warn", "fail"
CHECK_TIMEOUT = 1.0
CACHE_SECONDS = 1.0

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Readiness:
    status: str
    checks: dict[str, str]

    @property
    def http_status(self) -> int:
        return 503 if self.status == FAIL else 200

    def as_json(self) -> dict:
        return {"status": self.status, "checks": self.checks}


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return OK


def check_cache() -> str:
    # The Redis cache's client has 1 s socket timeouts (settings.CACHES).
    key = f"readyz:{os.getpid()}"
    value = uuid.uuid4().hex
    cache.set(key, value, 10)
    return OK if cache.get(key) == value else FAIL


def check_broker() -> str:
    url = settings.CELERY_BROKER_URL
    if url.startswith(("redis://", "rediss://")):
        import redis

        client = redis.Redis.from_url(
            url, socket_connect_timeout=CHECK_TIMEOUT, socket_timeout=CHECK_TIMEOUT
        )
        try:
            return OK if client.ping() else FAIL
        finally:
            client.close()
    if url.startswith("filesystem://"):
        folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]
        return OK if os.path.isdir(folder) and os.access(folder, os.W_OK) else FAIL
    from roundtable.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, timeout=CHECK_TIMEOUT)
    return OK


def check_worker() -> str:
    from roundtable.dashboard.models import Heartbeat, heartbeat_is_stale

    seen_at = Heartbeat.objects.filter(name="worker").values_list("seen_at", flat=True).first()
    return FAIL if heartbeat_is_stale(seen_at, now=timezone.now()) else OK


def check_calendar() -> str:
    from roundtable.workdays import services as workdays

    return WARN if workdays.next_year_missing(timezone.localdate()) else OK


CHECKS = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "worker": check_worker,
    "calendar": check_calendar,
}
# Checks that read the database: skipped (failed) when the database itself fails, so that a
# dead database costs one connection timeout, not three.
NEEDS_DATABASE = {"worker", "calendar"}

_lock = threading.Lock()
_last: tuple[float, Readiness] | None = None
_reported: dict[str, str] = {}


def readiness() -> Readiness:
    """The readiness answer, computed at most once per CACHE_SECONDS in this process."""
    global _last
    with _lock:
        now = time.monotonic()
        if _last is not None and now - _last[0] < CACHE_SECONDS:
            return _last[1]
        result = _run_checks()
        _last = (time.monotonic(), result)
        return result


def forget(*, reports: bool = True) -> None:
    """Drop the kept answer, and with ``reports`` what was last logged (tests; a shell)."""
    global _last
    with _lock:
        _last = None
        if reports:
            _reported.clear()


def _run_checks() -> Readiness:
    checks: dict[str, str] = {}
    for name, check in CHECKS.items():
        if name in NEEDS_DATABASE and checks.get("database") == FAIL:
            checks[name] = FAIL
            continue
        try:
            checks[name] = check()
            error = None
        except Exception as exc:  # any failure of a dependency is a failed check, not a 500
            checks[name] = FAIL
            error = exc
        _report(name, checks[name], error)
    if FAIL in checks.values():
        status = FAIL
    elif WARN in checks.values():
        status = WARN
    else:
        status = OK
    return Readiness(status, checks)


def _report(name: str, result: str, error: Exception | None) -> None:
    """Log a check's result when it changes, with the reason of a failure."""
    before = _reported.get(name)
    _reported[name] = result
    if before == result or (before is None and result == OK):
        return
    if result == FAIL:
        reason = f"{type(error).__name__}: {error}" if error else "check returned fail"
        logger.warning("readiness check %s failed: %s", name, reason)
    elif result == WARN:
        logger.warning("readiness check %s: warning", name)
    else:
        logger.info("readiness check %s is ok again", name)
