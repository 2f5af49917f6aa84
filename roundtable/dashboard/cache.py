"""The dashboard's cache: computed figures kept under keys holding the versions of the ledger's
cells they read (roundtable/lib/ledger_version.py).

A page's figures come in parts (overviews.py): the district's figures for a period, a
department's, the trend's other quarters, the breakdowns, what is true now, the instructions
awaiting an answer. Each part names its cells (a quarter, the present or the timelines, for a
department or the district); a change of an issue (issues/services/, ``ledger_version.changed``)
gives new versions to the cells it touches once it commits, so the next request recomputes the
parts that read them and takes the others from the cache. A page reads the versions of all its
parts' cells in one round trip and all its parts in another (``get_many``).

Fresh enough: under steady writes (fifty people at work) every change would recompute the
district's parts, half a second each at 100,000 issues, on most views of the dashboard. So a
part whose cells changed is still served while it was computed less than
``settings.DASHBOARD_FRESH_SECONDS`` ago (20 s by default; 0 recomputes at every change), and
once older, one request recomputes it (it takes a lock in the cache) while the others go on
serving the value they have, never older than ``TTL``.

Nothing is kept longer than ``TTL``, a minute: whatever changed the ledger without telling
(a bulk load, the admin, another process's memory on the embedded default, a Redis that was
down when a change committed), no figure is ever more than a minute older than the ledger.

The cache is Django's default: Redis when REDIS_URL is set, local memory otherwise. A cache
that fails (Redis down) never fails the page: the figures are computed instead.

The working-day calendar's version, read from the database once per request, is part of
every key: the figures count working days, so an edit of the calendar (in any process)
recomputes them at once.
"""

import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache

from roundtable.lib import ledger_version
from roundtable.workdays import services as workdays

logger = logging.getLogger(__name__)

TTL = 60  # seconds: the most a figure may lag behind the ledger


@dataclass
class Part:
    """One cached part of a page: ``compute()``'s result under ``name`` and ``parts``, valid
    while the versions of ``cells`` (``ledger_version.figure_cells``) and of the calendar stay."""

    name: str
    parts: tuple
    compute: Callable
    cells: Sequence[str] = field(default_factory=tuple)
    # Parts that cost less computed at once (a quarter and the one before, in one pass over
    # the ledger): when several parts with the same ``together`` must be computed in one
    # ``get_many``, it is called once with their ``parts`` and returns their values in order.
    together: Callable | None = None


def _key(part: Part, calendar: int) -> str:
    text = "|".join(map(str, part.parts))
    digest = hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()
    return f"dashboard:{part.name}:{calendar}:{digest}"


def _cells_version(part: Part, versions: dict[str, str]) -> str:
    """The versions of the cells ``part`` reads, as one string."""
    cells = [ledger_version.EVERYTHING, *part.cells]
    return "|".join(versions[c] for c in cells)


def _fresh_enough(entry, version: str, now: float, fresh_seconds: int) -> bool:
    """Whether a kept ``entry`` may be served: its cells have not changed since it was
    computed, or it was computed less than ``fresh_seconds`` ago."""
    if entry is None:
        return False
    return entry["cells"] == version or now - entry["at"] < min(fresh_seconds, TTL)


def _recompute_elsewhere(key: str, entry, now: float, fresh_seconds: int) -> bool:
    """Whether another request is recomputing this part (it holds the lock) while the
    value kept is younger than TTL: then that value is served meanwhile."""
    if not fresh_seconds or entry is None or now - entry["at"] >= TTL:
        return False
    try:
        return not cache.add(f"{key}:lock", 1, timeout=fresh_seconds)
    except Exception:  # the cache failed since the versions were read: compute
        logger.warning("dashboard cache unavailable", exc_info=True)
        return False


def get_many(parts: Sequence[Part], *, ttl: int = TTL) -> list:
    """Each part's value, from the cache when none of its cells changed since it was
    computed or it is still fresh enough (see the module's docstring): one round trip for
    the versions, one for the values, one to keep those computed now."""
    everything = {ledger_version.EVERYTHING: None}
    versions = ledger_version.versions(everything | {c: None for p in parts for c in p.cells})
    if versions is None:  # the cache is unavailable: compute, keep nothing
        return _compute(parts)
    calendar = workdays.calendar_version()
    keys = [_key(part, calendar) for part in parts]
    try:
        found = cache.get_many(keys)
    except Exception:
        logger.warning("dashboard cache unavailable", exc_info=True)
        found = {}
    fresh_seconds = settings.DASHBOARD_FRESH_SECONDS
    values, missing, locks = [], {}, []
    for i, (part, key) in enumerate(zip(parts, keys, strict=True)):
        entry, version, now = found.get(key), _cells_version(part, versions), time.time()
        if _fresh_enough(entry, version, now, fresh_seconds) or _recompute_elsewhere(
            key, entry, now, fresh_seconds
        ):
            values.append(entry["value"])
            continue
        if entry is not None and fresh_seconds:
            locks.append(f"{key}:lock")
        values.append(None)
        # When the computation began: what it read is at least that recent.
        missing[i] = {"cells": version, "at": now}
    computed = {}
    for i, value in zip(missing, _compute([parts[i] for i in missing]), strict=True):
        values[i] = value
        computed[keys[i]] = {**missing[i], "value": value}
    if computed:
        try:
            cache.set_many(computed, ttl)
            if locks:
                cache.delete_many(locks)
        except Exception:
            logger.warning("dashboard cache unavailable", exc_info=True)
    return values


def _compute(parts: Sequence[Part]) -> list:
    """Each part's value, computed: those sharing a ``together`` at once."""
    values = [None] * len(parts)
    batches: dict[Callable, list[int]] = {}
    for i, part in enumerate(parts):
        if part.together is None:
            values[i] = part.compute()
        else:
            batches.setdefault(part.together, []).append(i)
    for together, indexes in batches.items():
        for i, value in zip(indexes, together([parts[i].parts for i in indexes]), strict=True):
            values[i] = value
    return values


def get_or_compute(name: str, parts: tuple, compute, *, cells: Sequence[str] = ()):
    """``compute()``'s result, cached under ``name``, ``parts``, the versions of ``cells``
    and the working-day calendar's version."""
    return get_many([Part(name, parts, compute, tuple(cells))])[0]
