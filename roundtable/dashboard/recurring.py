"""Recurring problems: open issues of different enterprises that look alike.

Two open issues look alike when they share a category and their titles are similar: a Jaccard
index of at least ``BIGRAM_THRESHOLD`` over the titles' character bigrams (``similarity()``),
which treats Chinese and English alike. It is computed here, in Python, on every database, so
that SQLite and PostgreSQL give the same groups whatever the database's locale (pg_trgm's
``similarity()`` keeps only the characters its LC_CTYPE calls alphanumeric: under ``C`` every
Chinese title scores 0). Similar titles are joined transitively into
groups; a group is shown when its issues come from at least two enterprises. Each group can
become a special study (专题研究), which is how a common problem reaches the next roundtable.

Work is bounded whatever the ledger's size: titles are compared per category, once per
distinct title, and only the ``TITLES_PER_CATEGORY`` most recently raised distinct titles of
each category take part.
"""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import chain

from django.db.models import Count, Max

from issues.models import Issue
from roundtable.dashboard import kpis

BIGRAM_THRESHOLD = 0.4
TITLES_PER_CATEGORY = 200
MAX_GROUPS = 10
STUDY_ISSUES = 20  # issues a "start a special study" link carries at most
SAMPLES = 5
CLUSTERINGS_KEPT = 4  # the clusterings of the last few sets of titles, per process


@dataclass
class Group:
    category_id: int
    titles: list[str]
    issue_count: int = 0
    enterprise_count: int = 0
    # The latest issue of each enterprise (and title), newest first: for the study link.
    issue_ids: list[int] = field(default_factory=list)
    # A few of those issues to show: pk, reference, title, enterprise names.
    samples: list[dict] = field(default_factory=list)


def find_groups(*, limit: int = MAX_GROUPS) -> list[Group]:
    """The largest groups of alike open issues, most enterprises first. Two queries: open
    issues counted per category, title and enterprise; a few of the grouped issues to show."""
    per_enterprise = list(
        Issue.objects.filter(kpis.open_now())
        .values_list("category_id", "title", "enterprise_id")
        .annotate(n=Count("*"), latest=Max("pk"), last_raised=Max("raised_on"))
        .order_by()
    )
    last_raised = {}
    for category_id, title, _enterprise, _n, _latest, raised in per_enterprise:
        key = (category_id, title)
        last_raised[key] = max(last_raised.get(key, raised), raised)
    titles = defaultdict(list)  # category → distinct titles, most recently raised first
    for (category_id, title), _raised in sorted(
        last_raised.items(), key=lambda item: (item[0][0], -item[1].toordinal(), item[0][1])
    ):
        if len(titles[category_id]) < TITLES_PER_CATEGORY:
            titles[category_id].append(title)

    clusters = _clusters(titles)
    cluster_of = {}
    for index, (category_id, group) in enumerate(clusters):
        for title in group:
            cluster_of[(category_id, title)] = index
    found = [Group(category_id=c, titles=sorted(group)) for c, group in clusters]
    enterprises = defaultdict(dict)  # cluster → {enterprise: its latest issue id}
    for category_id, title, enterprise_id, n, latest, _raised in per_enterprise:
        index = cluster_of.get((category_id, title))
        if index is None:
            continue
        found[index].issue_count += n
        known = enterprises[index].get(enterprise_id, 0)
        enterprises[index][enterprise_id] = max(known, latest)
    for index, group in enumerate(found):
        group.enterprise_count = len(enterprises[index])
        group.issue_ids = sorted(enterprises[index].values(), reverse=True)[:STUDY_ISSUES]
    found = [g for g in found if g.enterprise_count >= 2]
    found.sort(key=lambda g: (-g.enterprise_count, -g.issue_count, g.titles))
    found = found[:limit]
    sample_ids = {pk for g in found for pk in g.issue_ids[:SAMPLES]}
    samples = {
        row["pk"]: row
        for row in Issue.objects.filter(pk__in=sample_ids).values(
            "pk", "reference", "title", "enterprise__name_zh", "enterprise__name_en"
        )
    }
    for group in found:
        group.samples = [samples[pk] for pk in group.issue_ids[:SAMPLES] if pk in samples]
    return found


def _clusters(titles: dict[int, list[str]]) -> tuple[tuple[int, frozenset[str]], ...]:
    """(category, titles) for every set of alike titles; a title alone is a set of its own
    (its issues may still come from several enterprises)."""
    return _clusters_of(tuple((category_id, tuple(items)) for category_id, items in titles.items()))


@functools.lru_cache(maxsize=CLUSTERINGS_KEPT)
def _clusters_of(
    titles: tuple[tuple[int, tuple[str, ...]], ...],
) -> tuple[tuple[int, frozenset[str]], ...]:
    """``_clusters`` of the same titles, kept in each process for the next recomputation of
    the dashboard: it depends on the titles alone, and most changes of the ledger leave the
    open issues' titles as they were (comparing 2,200 titles took 50 ms at 100,000 issues)."""
    titles = dict(titles)
    pairs = _bigram_pairs(titles)
    parent: dict[tuple[int, str], tuple[int, str]] = {}

    def root(node):
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for category_id, items in titles.items():
        for title in items:
            parent.setdefault((category_id, title), (category_id, title))
    for category_id, a, b in pairs:
        ra, rb = root((category_id, a)), root((category_id, b))
        if ra != rb:
            parent[ra] = rb
    groups = defaultdict(set)
    for node in parent:
        groups[root(node)].add(node[1])
    return tuple((node[0], frozenset(members)) for node, members in groups.items())


_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def bigrams(text: str) -> frozenset[str]:
    """Character bigrams of ``text`` without spaces and punctuation, lower-cased."""
    text = _NOT_WORD.sub("", text.lower())
    if len(text) < 2:
        return frozenset([text]) if text else frozenset()
    return frozenset(text[i : i + 2] for i in range(len(text) - 1))


def similarity(a: str, b: str) -> float:
    """Jaccard index of the two texts' bigrams (1.0 for the same text)."""
    sa, sb = bigrams(a), bigrams(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def _bigram_pairs(titles: dict[int, list[str]]) -> list[tuple[int, str, str]]:
    """(category, a, b) for each pair of titles of a category with ``similarity(a, b)`` of at
    least ``BIGRAM_THRESHOLD``. Only titles sharing a bigram are compared: an index from each
    bigram to the earlier titles holding it counts, for each title, the bigrams it shares
    with every earlier one (one ``Counter`` over the index's lists, counted in C: the loop
    per shared bigram in Python took 80 ms of the dashboard at 100,000 issues), and
    ``|A ∪ B|`` is ``|A| + |B| - |A ∩ B|``, the same index as ``similarity()``."""
    pairs = []
    for category_id, items in titles.items():
        grams = [bigrams(t) for t in items]
        sizes = [len(g) for g in grams]
        holders = defaultdict(list)  # bigram → indexes of the earlier titles holding it
        for j, gj in enumerate(grams):
            lists = [holders[gram] for gram in gj]
            shared = Counter(chain.from_iterable(lists))  # earlier title → bigrams shared
            for i, common in shared.items():
                if common / (sizes[i] + sizes[j] - common) >= BIGRAM_THRESHOLD:
                    pairs.append((category_id, items[i], items[j]))
            for held in lists:
                held.append(j)
    return pairs
