"""Versions of the ledger's *cells*: which cached figures a change of the ledger can change.

The dashboard's figures are cached (roundtable/dashboard/cache.py). A change must not throw
them all away, only those it can change, so the ledger is cut into cells, each with its own
version in Django's cache, for one department (``:12``) or the whole district (``:all``):

* a quarter (``2026Q4:12``): the figures for a period that holds a day of that quarter (the
  district's: every department's, the unassigned issues', the breakdowns, the trend);
* the present (``now:12``): what is true now whatever the period: open and overdue now, the
  lists of overdue and escalated issues, the recurring problems;
* the timelines (``timeline:12``): the issues whose chair's instruction awaits an answer, the
  one figure a timeline entry alone (a progress note, an instruction) can change.

A cached figure names the cells it reads (``figure_cells``) and its key holds their versions;
a change names the days and departments it touches and whether it changed an issue's facts
(``changed``), and the versions of their cells move once the transaction commits. This module
is the one place of the rule between the two: a change touches the timelines and, when it
changed facts, the present and the quarter of each of its days; each for each of its
departments and for the district. Which days, departments and facts of an issue the figures
count by is written beside the figures' definitions (issues/kpi_selectors.py, ``touched``).

It lives here, below issues/ and the dashboard, so that the issues never import the
dashboard. Versions live in Django's cache, Redis when REDIS_URL is set: shared by every web
process and the worker. Without Redis (the embedded default) the cache is each process's own
memory, and a change made in another process (the worker's escalation, another web process)
reaches this one only when its entries expire (the dashboard's cache keeps nothing longer than
a minute). A cache that fails (Redis down) never fails the caller: ``versions()`` returns None
(cache nothing) and a change is logged, its figures then expire within that minute.
"""

import logging
import uuid
from collections.abc import Iterable
from datetime import date

from django.core.cache import cache
from django.db import transaction

from roundtable.lib.periods import quarter_of

logger = logging.getLogger(__name__)

PREFIX = "dashboard:cell:"
NOW = "now"
TIMELINE = "timeline"
ALL = "all"
# Read with every cached figure: ``changed_everything`` recomputes them all.
EVERYTHING = f"{PREFIX}everything"


def _cell(scope: str, department_id: int | None) -> str:
    return f"{PREFIX}{scope}:{ALL if department_id is None else department_id}"


def quarter_keys(start: date, end: date) -> list[str]:
    """The quarters holding a day from ``start`` to ``end`` (``2026Q4``), in order."""
    keys, q = [], quarter_of(start)
    while q.start <= end:
        keys.append(q.key)
        q = q.next()
    return keys


def figure_cells(
    periods: Iterable[tuple[date, date]] = (),
    *,
    now: bool = False,
    timeline: bool = False,
    department_id=None,
) -> list[str]:
    """The cells a cached figure reads: the quarters of ``periods`` ((first day, last day)),
    the present when ``now``, the timelines when ``timeline``; for one department or (None)
    the district."""
    scopes = [q for start, end in periods for q in quarter_keys(start, end)]
    scopes += [NOW] if now else []
    scopes += [TIMELINE] if timeline else []
    return [_cell(scope, department_id) for scope in dict.fromkeys(scopes)]


def changed_cells(
    days: Iterable[date | None], departments: Iterable[int | None], *, facts: bool = True
) -> set[str]:
    """The cells a change touching ``days`` and ``departments`` can change (None entries are
    ignored): the timelines and, when it changed facts, the present and each day's quarter;
    for each department and the district."""
    scopes = {TIMELINE}
    if facts:
        scopes |= {NOW} | {quarter_of(day).key for day in days if day is not None}
    owners = {None} | {pk for pk in departments if pk is not None}
    return {_cell(scope, pk) for scope in scopes for pk in owners}


def changed(
    days: Iterable[date | None] = (), departments: Iterable[int | None] = (), *, facts=True
) -> None:
    """Record a change of the ledger touching ``days`` and ``departments`` (``facts``: it
    changed an issue's facts, not only added to its timeline): their cells get new versions
    once the transaction commits (at once outside one)."""
    cells = changed_cells(days, departments, facts=facts)
    transaction.on_commit(lambda: bump(cells))


def changed_everything() -> None:
    """Recompute every cached figure (after a bulk load; the benchmark's cold cache)."""
    bump([EVERYTHING])


def bump(cells: Iterable[str]) -> None:
    """New versions for ``cells``, in one round trip. A version is a random token, never used
    before, so an evicted version can never be taken for a later one."""
    token = _token()
    try:
        cache.set_many(dict.fromkeys(cells, token), timeout=None)
    except Exception:
        logger.warning("dashboard cache unavailable", exc_info=True)


def _token() -> str:
    return uuid.uuid4().hex


def versions(cells: Iterable[str]) -> dict[str, str] | None:
    """{cell: version} in one round trip (a cell never changed gets a version now); None when
    the cache is unavailable."""
    cells = list(cells)
    if not cells:
        return {}
    try:
        found = cache.get_many(cells)
        missing = [cell for cell in cells if cell not in found]
        if missing:
            token = _token()
            for cell in missing:
                cache.add(cell, token, timeout=None)
            found |= cache.get_many(missing)
        if len(found) < len(cells):
            return None
        return {cell: found[cell] for cell in cells}
    except Exception:
        logger.warning("dashboard cache unavailable", exc_info=True)
        return None
