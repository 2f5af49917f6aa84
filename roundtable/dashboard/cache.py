"""The dashboard's cache: computed figures kept under keys holding the versions of the ledger's
cells they read (roundtable/lib/ledger_version.py).

A page's figures come in parts (overviews.py): the district's figures for a period, a
department's, the trend's other quarters, the breakdowns, what is true now, the instructions
awaiting an answer. Each part names its cells (a quarter, the present or the timelines, for a
department or the district); a change of an issue (issues/services/, ``ledger_version.changed``)
gives new versions to the cells it touches once it commits, so the next request recomputes the
parts that read them and takes the others from the cache. A page reads the versions of all its
parts' cells in one round trip and all its parts in another (``get_many``).

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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

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


def _key(part: Part, versions: dict[str, str], calendar: int) -> str:
    cells = [ledger_version.EVERYTHING, *part.cells]
    text = "|".join(map(str, [*part.parts, *(versions[c] for c in cells)]))
    digest = hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()
    return f"dashboard:{part.name}:{calendar}:{digest}"


def get_many(parts: Sequence[Part], *, ttl: int = TTL) -> list:
    """Each part's value, from the cache when none of its cells changed since it was
    computed: one round trip for the versions, one for the values, one to keep those
    computed now."""
    everything = {ledger_version.EVERYTHING: None}
    versions = ledger_version.versions(everything | {c: None for p in parts for c in p.cells})
    if versions is None:  # the cache is unavailable: compute, keep nothing
        return [part.compute() for part in parts]
    calendar = workdays.calendar_version()
    keys = [_key(part, versions, calendar) for part in parts]
    try:
        found = cache.get_many(keys)
    except Exception:
        logger.warning("dashboard cache unavailable", exc_info=True)
        found = {}
    values, computed = [], {}
    for part, key in zip(parts, keys, strict=True):
        if key in found:
            values.append(found[key])
        else:
            values.append(part.compute())
            computed[key] = values[-1]
    if computed:
        try:
            cache.set_many(computed, ttl)
        except Exception:
            logger.warning("dashboard cache unavailable", exc_info=True)
    return values


def get_or_compute(name: str, parts: tuple, compute, *, cells: Sequence[str] = ()):
    """``compute()``'s result, cached under ``name``, ``parts``, the versions of ``cells``
    and the working-day calendar's version."""
    return get_many([Part(name, parts, compute, tuple(cells))])[0]
