"""An enterprise's issues (``IssueQuerySet.of_enterprise``): those it raised and those naming it
among the other enterprises concerned, the same whether the few naming it are listed by id or
found by a subquery (past ``NAMED_IDS_MAX``), and the same on the ledger's filter and on the
enterprise's page."""

import pytest

from issues import querysets
from issues.models import Issue
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def three(db):
    ours, other = factories.EnterpriseFactory(), factories.EnterpriseFactory()
    raised = factories.IssueFactory(enterprise=ours)
    naming = factories.IssueFactory(enterprise=other)
    naming.other_enterprises.add(ours)
    unrelated = factories.IssueFactory(enterprise=other)
    return ours, {raised.pk, naming.pk}, unrelated


@pytest.mark.parametrize("named_max", [querysets.NAMED_IDS_MAX, 0])
def test_raised_and_naming_it_by_id_or_by_subquery(monkeypatch, three, named_max):
    ours, expected, _unrelated = three
    monkeypatch.setattr(querysets, "NAMED_IDS_MAX", named_max)
    found = Issue.objects.of_enterprise(ours.pk)
    assert set(found.values_list("pk", flat=True)) == expected
    assert found.count() == len(expected)


def test_an_enterprise_named_nowhere_has_only_its_own(three):
    ours, _expected, unrelated = three
    alone = factories.EnterpriseFactory()
    mine = factories.IssueFactory(enterprise=alone)
    assert list(Issue.objects.of_enterprise(alone.pk)) == [mine]
    assert unrelated.pk not in set(
        Issue.objects.of_enterprise(ours.pk).values_list("pk", flat=True)
    )


def test_the_ledger_filter_and_the_enterprise_page_count_the_same(client, staff, three):
    ours, expected, _unrelated = three
    client.force_login(staff)
    page = client.get(f"/enterprises/{ours.pk}/")
    ledger = client.get("/issues/", {"enterprise": ours.pk})
    assert page.context["issue_count"] == len(expected)
    assert {i.pk for i in ledger.context["page"].object_list} == expected
