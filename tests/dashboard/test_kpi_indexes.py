"""The dashboard's passes over the ledger read only a covering index, never the table: each
index named here must hold every column its queries read. A column added to a figure and not
to its index makes PostgreSQL scan the whole table (the KPI pass took 41 ms instead of 14 at
100,000 issues when ``satisfaction_by`` was missing from ``issue_kpi_columns``).

The check is on the SQL the code sends (any database): the columns of the table that the
queries name, against the index's key and included columns."""

import re
from datetime import date

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from issues.models import Assignment, Issue
from roundtable.dashboard import kpis, recurring

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 18)
PERIOD = kpis.quarter(2026, 4)


def _index_columns(model, name: str) -> set[str]:
    """The index's key and included columns, and those of a partial index's condition (a
    query that implies the condition reads them from no row)."""
    index = next(i for i in model._meta.indexes if i.name == name)
    names = [f.lstrip("-") for f in index.fields] + list(index.include)
    if index.condition is not None:
        names += [
            child[0].split("__")[0]
            for q in index.condition.flatten()
            if isinstance(q, Q)
            for child in q.children
            if isinstance(child, tuple)
        ]
    return {model._meta.get_field(n).column for n in names}


def _columns_read(run, model) -> set[str]:
    """The columns of ``model``'s table named in the queries ``run()`` sends (and at least
    one query must name the table)."""
    table = model._meta.db_table
    with CaptureQueriesContext(connection) as ctx:
        run()
    pattern = re.compile(rf'"{table}"\."(\w+)"')
    columns = {c for q in ctx.captured_queries for c in pattern.findall(q["sql"])}
    assert columns, f"no query read {table}"
    return columns


def _kpi_pass(*, department_id=None, now=True):
    def run():
        issues = kpis._issues(by_department=department_id is None, department_id=department_id)
        periods = [PERIOD, PERIOD.previous()]
        hull = kpis.Period(periods[1].start, periods[0].end)
        kpis._count_issues(issues, periods, hull, TODAY, True, _scratch, now=now)

    return run


def _scratch(_index, _key):
    return kpis.Figures()


PASSES = {
    # name: (what runs, the model whose table it reads, the covering index)
    "KPI pass, every department, with the present": (_kpi_pass(), Issue, "issue_kpi_columns"),
    "KPI pass, one department, without the present": (
        _kpi_pass(department_id=1, now=False),
        Issue,
        "issue_kpi_columns",
    ),
    "open and overdue now": (
        lambda: kpis.now_counts(TODAY, by_department=True),
        Issue,
        "issue_kpi_columns",
    ),
    "conclusions and working days": (
        lambda: kpis.conclusions([PERIOD, PERIOD.previous()], grouped=True),
        Issue,
        "issue_concluded_on",
    ),
    "response rate": (
        lambda: kpis._count_responses([PERIOD], PERIOD, TODAY, True, None, _scratch),
        Assignment,
        "assignment_lead_assigned_at",
    ),
    "breakdowns of the quarter": (
        lambda: kpis.breakdowns(PERIOD, TODAY),
        Issue,
        "issue_raised_on",
    ),
    "recurring problems": (
        lambda: recurring.find_groups(),
        Issue,
        "issue_open_titles",
    ),
}


@pytest.mark.parametrize("name", list(PASSES))
def test_the_pass_reads_only_its_covering_index(name):
    run, model, index = PASSES[name]
    missing = _columns_read(run, model) - _index_columns(model, index)
    assert not missing, f"{name}: {index} lacks {sorted(missing)}"


def test_the_check_sees_a_missing_column():
    """The check itself: a pass that reads a column outside the index is caught."""
    read = _columns_read(lambda: list(Issue.objects.values("satisfaction_by").order_by()), Issue)
    assert read - _index_columns(Issue, "issue_open_titles") == {"satisfaction_by"}
