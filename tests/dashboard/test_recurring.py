"""Recurring problems group the same titles on every database: the similarity of two titles is
computed in Python, not by the database, so neither SQLite nor PostgreSQL's locale changes it."""

from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection, connections

from roundtable.dashboard import recurring
from tests import factories

pytestmark = pytest.mark.django_db

ALIAS = "c_ctype"
ALIKE = ("进口零部件通关时间过长", "进口零部件通关时间太长")


def _rows(using: str | None = None):
    """Two enterprises' alike Chinese titles, a third one's unrelated title, same category."""
    category = factories.CategoryFactory.build(code="customs")
    category.save(using=using)
    titles = (*ALIKE, "外籍高管工作许可办理慢")
    for title in titles:
        enterprise = factories.EnterpriseFactory.build()
        enterprise.save(using=using)
        issue = factories.IssueFactory.build(
            title=title, category=category, enterprise=enterprise, raised_on=date(2026, 9, 1)
        )
        issue.save(using=using)


def _grouped_titles():
    return [group.titles for group in recurring.find_groups()]


def test_alike_chinese_titles_group(db):
    _rows()
    assert _grouped_titles() == [sorted(ALIKE)]


def test_pairs_are_those_of_similarity():
    titles = {
        1: ["", "x", "用地审批延迟", "用地审批拖延", "Land-use permit delayed", "land use permit"],
        2: [*ALIKE, "外籍高管工作许可"],
    }
    expected = {
        (category, a, b)
        for category, items in titles.items()
        for i, a in enumerate(items)
        for b in items[i + 1 :]
        if recurring.similarity(a, b) >= recurring.BIGRAM_THRESHOLD
    }
    assert set(recurring._bigram_pairs(titles)) == expected
    assert (2, *ALIKE) in expected


class _ToCType:
    """Every read and write of the test goes to the C-locale database."""

    def db_for_read(self, model, **hints):
        return ALIAS

    db_for_write = db_for_read

    def allow_relation(self, obj1, obj2, **hints):
        return True


@pytest.fixture
def c_ctype_database(settings):
    """A migrated database created with ``LC_CTYPE 'C'``, every query routed to it."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: LC_CTYPE is a PostgreSQL database setting")
    import psycopg

    params = connection.settings_dict
    name = f"{params['NAME']}_c_ctype"[:63]
    admin = psycopg.connect(
        dbname="postgres",
        host=params["HOST"] or None,
        port=params["PORT"] or None,
        user=params["USER"] or None,
        password=params["PASSWORD"] or None,
        autocommit=True,
    )
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.execute(
        f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
    )
    connections.settings[ALIAS] = {**params, "NAME": name, "TEST": {"NAME": name}}
    try:
        # Connected here: the test case lets only its own databases connect on first use.
        connections[ALIAS].connect()
        call_command("migrate", database=ALIAS, verbosity=0, interactive=False)
        settings.DATABASE_ROUTERS = [_ToCType()]
        yield connections[ALIAS]
    finally:
        connections[ALIAS].close()
        del connections[ALIAS]
        del connections.settings[ALIAS]
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def test_alike_chinese_titles_group_on_a_c_locale_postgresql(c_ctype_database):
    with c_ctype_database.cursor() as cursor:
        cursor.execute("SELECT datctype FROM pg_database WHERE datname = current_database()")
        assert cursor.fetchone()[0] == "C"
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone():
            # What recurring problems must not rely on: pg_trgm sees no Chinese under C.
            cursor.execute("SELECT similarity(%s, %s)", ALIKE)
            assert cursor.fetchone()[0] == 0
    _rows(using=ALIAS)
    assert _grouped_titles() == [sorted(ALIKE)]
