"""The ledger's search of short terms (税, 用地): from the grams column's index on PostgreSQL,
and always with the answer of a plain substring match, whatever the text and the term."""

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


TEXTS_BY_LENGTH = [
    ("重庆市渝中区企业用地审批", "Land use permit for the PLANT"),
    ("外资企业员工", "用地 and 用水 in Chongqing"),
    ("Permit renewal", "企业反映重庆用工问题"),
    ("重庆", ""),
    ("", "plant permit"),
    ("用", "地"),
]


@pytest.mark.parametrize(
    "q",
    [
        pytest.param("企", id="one-chinese-character"),
        pytest.param("重庆", id="two-chinese-characters"),
        pytest.param("企业用地", id="four-chinese-characters"),
        pytest.param("用地审批", id="three-plus-chinese-characters"),
        pytest.param("P", id="one-letter"),
        pytest.param("pl", id="two-letters-other-case"),
        pytest.param("PERMIT", id="english-word-other-case"),
        pytest.param("用 地", id="two-words-of-one-character"),
        pytest.param("重庆 permit", id="chinese-and-english-words"),
    ],
)
def test_terms_of_every_length_find_what_a_substring_match_finds(pool, q):
    for issue, (title, description) in zip(pool, TEXTS_BY_LENGTH, strict=True):
        Issue.objects.filter(pk=issue.pk).update(title=title, description=description)
        issue.title, issue.description = title, description
    expected = {issue.pk for issue in pool if all(_contains(issue, w) for w in q.split())}

    found = filters.search(Issue.objects.all(), q)

    assert set(found.values_list("pk", flat=True)) == expected
    assert expected  # every case finds something


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the grams column exists on PostgreSQL only"
)


@postgresql_only
@pytest.mark.parametrize("term", ["用地", "税", "ab"])
def test_a_short_term_is_read_from_the_grams_column_index(pool, term):
    """On a table this small PostgreSQL would rather read it all; with sequential scans
    priced out, the plan shows whether the index can answer the term at all, and that no
    row has its grams computed again from its text."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = filters.matching(Issue.objects.all(), term).order_by().explain()

    assert "issue_search_grams_column" in plan
    assert "issue_search_grams(" not in plan
    assert "Seq Scan on issues_issue" not in plan


@postgresql_only
def test_the_grams_follow_every_write_of_the_text(pool):
    """The trigger fills the column on insert and on an update of the text, from any write:
    the services, a queryset update, raw SQL."""
    issue = pool[0]
    assert set(filters.search(Issue.objects.all(), "晾晒")) == set()

    Issue.objects.filter(pk=issue.pk).update(title="晾晒场地")
    assert list(filters.search(Issue.objects.all(), "晾晒")) == [issue]

    with connection.cursor() as cursor:
        cursor.execute("UPDATE issues_issue SET title = 'x', description = %s", ["Qz 晾"])
    assert set(filters.search(Issue.objects.all(), "晾晒")) == set()
    assert len(filters.search(Issue.objects.all(), "qZ")) == POOL

    fresh = factories.IssueFactory(title="新的晾晒")
    assert list(filters.search(Issue.objects.all(), "晾晒")) == [fresh]


@postgresql_only
def test_a_common_term_is_matched_by_its_like_alone_with_the_same_answer(pool, monkeypatch):
    """A gram in most issues (by ANALYZE's statistics) is cheaper to check by its LIKE along
    the ledger's order than by reading each row's grams: same answer either way."""
    for issue, (title, description) in zip(pool, TEXTS_BY_LENGTH, strict=True):
        Issue.objects.filter(pk=issue.pk).update(title=title, description=description)
        issue.title, issue.description = title, description
    expected = {issue.pk for issue in pool if _contains(issue, "企业")}
    rare = set(filters.search(Issue.objects.all(), "企业").values_list("pk", flat=True))

    monkeypatch.setattr(filters, "gram_shares", lambda alias: {"企业": 0.8})
    plan = filters.matching(Issue.objects.all(), "企业").order_by().explain()
    common = set(filters.search(Issue.objects.all(), "企业").values_list("pk", flat=True))

    assert "search_grams" not in plan
    assert rare == common == expected


@postgresql_only
@pytest.mark.parametrize("q", ["permit", "审批税收", "税 permit"])
def test_a_term_of_three_characters_or_more_is_looked_up_in_the_trigram_indexes(pool, q):
    """Under the probe's LIMIT, PostgreSQL prices a scan that stops at the 501st match, and
    a LIKE on a long description as cheap as on a title: as ANALYZE's sample moved, it
    scanned 27,000 rows for "permit" at 100,000 issues (197 ms, against 17 ms through the
    indexes). The probe runs with scans off, and only the probe: the setting is reset in
    the request's transaction, and the answer is the substring match's."""
    from django.db import transaction
    from django.test.utils import CaptureQueriesContext

    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        found = set(filters.search(Issue.objects.all(), q).values_list("pk", flat=True))
        with connection.cursor() as cursor:
            cursor.execute("SHOW enable_seqscan")
            assert cursor.fetchone()[0] == "on"
    statements = [query["sql"] for query in captured.captured_queries]
    start = statements.index("SET LOCAL enable_seqscan = off")
    assert statements[start + 1].startswith('SELECT "issues_issue"."id"')
    assert statements[start + 2] == "RESET enable_seqscan"
    words = q.split()
    assert found == {i.pk for i in Issue.objects.all() if all(_contains(i, word) for word in words)}


def test_on_sqlite_and_for_short_terms_the_probe_changes_no_setting(pool):
    from django.test.utils import CaptureQueriesContext

    for q in ("税", "用地 税"):
        with CaptureQueriesContext(connection) as captured:
            list(filters.search(Issue.objects.all(), q))
        assert not any("enable_seqscan" in query["sql"] for query in captured.captured_queries)
