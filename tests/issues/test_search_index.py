"""The ledger's search of short terms (税, 用地): from an index on PostgreSQL, and always with
the answer of a plain substring match, whatever the text and the term."""

import pytest
from django.db import connection
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from issues import filters
from issues.models import Issue
from tests import factories

# Few letters, so that random terms are often found: Chinese, English in both cases, a letter
# beyond ASCII (é: SQLite's LIKE ignores case in ASCII only, so not É as well), and the
# characters of references (RT-2026-90001) and of the factories' enterprise names.
ALPHABET = "用地审批税收企业测试aAbBeEtT2-0é"
TEXTS = st.text(alphabet=ALPHABET + " ", max_size=30)
TERMS = st.text(alphabet=ALPHABET, min_size=1, max_size=4)
POOL = 6


@pytest.fixture
def pool(db):
    return factories.IssueFactory.create_batch(POOL)


def _contains(issue: Issue, term: str) -> bool:
    """Plain substring match, letter case ignored, in the issue's text or its enterprise's."""
    haystacks = (
        issue.reference,
        issue.title,
        issue.description,
        issue.enterprise.name_zh,
        issue.enterprise.name_en,
    )
    return any(term.upper() in haystack.upper() for haystack in haystacks)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    texts=st.lists(st.tuples(TEXTS, TEXTS), min_size=POOL, max_size=POOL),
    words=st.lists(TERMS, min_size=1, max_size=2),
)
@example(texts=[("项目用地审批", "")] + [("", "")] * (POOL - 1), words=["用地"])
@example(texts=[("", "税收")] + [("地", "")] * (POOL - 1), words=["税"])
@example(texts=[("Tab用地", "")] + [("", "用")] * (POOL - 1), words=["b用", "TA"])
def test_a_search_finds_exactly_the_issues_a_substring_match_finds(pool, texts, words):
    for issue, (title, description) in zip(pool, texts, strict=True):
        Issue.objects.filter(pk=issue.pk).update(title=title, description=description)
        issue.title, issue.description = title, description
    expected = {issue.pk for issue in pool if all(_contains(issue, w) for w in words)}

    found = filters.search(Issue.objects.all(), " ".join(words))

    assert set(found.values_list("pk", flat=True)) == expected


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the grams index exists on PostgreSQL only"
)
@pytest.mark.parametrize("term", ["用地", "税", "ab"])
def test_a_short_term_is_read_from_the_grams_index(pool, term):
    """On a table this small PostgreSQL would rather read it all; with sequential scans
    priced out, the plan shows whether the index can answer the term at all."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = filters.matching(Issue.objects.all(), term).order_by().explain()

    assert "issue_search_grams" in plan
    assert "Seq Scan on issues_issue" not in plan
