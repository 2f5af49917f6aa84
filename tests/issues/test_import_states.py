"""issues_import brings each row to the state the ledger records, as the lifecycle's steps
would have left it."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from issues.models import ActionUpdate, Assignment, Issue
from issues.services import ImportedIssue, issues_import
from tests import factories

pytestmark = pytest.mark.django_db


def _row(enterprise, category, **changes):
    values = {
        "title": "用地规划调整",
        "enterprise": enterprise,
        "category": category,
        "source": Issue.Source.MEETING,
        "raised_on": date(2025, 3, 3),
    }
    return ImportedIssue(**(values | changes))


def test_each_state_of_the_ledger_is_imported(staff, dept_a, dept_b, enterprise_1):
    category = factories.CategoryFactory()
    lead = {"lead_department": dept_a, "deadline": date(2025, 4, 1)}
    done = {**lead, "progress": "已解决", "concluded": True, "concluded_on": date(2025, 3, 28)}
    rows = [
        (2, _row(enterprise_1, category, title="only logged")),
        (3, _row(enterprise_1, category, title="assigned", co_departments=[dept_b], **lead)),
        (4, _row(enterprise_1, category, title="in progress", progress="在办", **lead)),
        (5, _row(enterprise_1, category, title="concluded", **done)),
        (6, _row(enterprise_1, category, title="closed", satisfaction="satisfied", **done)),
        (7, _row(enterprise_1, category, title="reopened", satisfaction="dissatisfied", **done)),
    ]
    created = issues_import(actor=staff, rows=rows, file_name="台账.xlsx")
    states = {issue.title: Issue.objects.get(pk=issue.pk) for issue in created.values()}
    assert {title: issue.status for title, issue in states.items()} == {
        "only logged": "logged",
        "assigned": "assigned",
        "in progress": "in_progress",
        "concluded": "concluded",
        "closed": "closed",
        "reopened": "in_progress",
    }
    assert not states["only logged"].assignments.exists()
    assigned = states["assigned"].assignments.order_by("role")
    assert [(a.department, a.role, a.status) for a in assigned] == [
        (dept_b, "co", "pending"),
        (dept_a, "lead", "pending"),
    ]
    closed = states["closed"]
    assert closed.satisfaction == "satisfied" and closed.concluded_on == date(2025, 3, 28)
    assert closed.assignments.get().status == Assignment.Status.DONE
    reopened = states["reopened"]
    assert reopened.reopened_count == 1 and reopened.satisfaction == "dissatisfied"
    assert reopened.updates.filter(kind=ActionUpdate.Kind.REOPENED).exists()
    assert reopened.assignments.get().status == Assignment.Status.ACCEPTED
    for number, issue in created.items():
        entry = issue.updates.get(kind=ActionUpdate.Kind.STATUS_CHANGE)
        assert entry.shown_body == f"Imported from 台账.xlsx, row {number}."
        assert issue.history.get().history_change_reason == f"imported from 台账.xlsx, row {number}"
    # References are handed out from the year's counter, in order.
    assert sorted(i.sequence for i in created.values()) == list(range(1, 7))


def test_only_commerce_staff_import(liaison_a, enterprise_1):
    row = _row(enterprise_1, factories.CategoryFactory())
    with pytest.raises(PermissionDenied):
        issues_import(actor=liaison_a, rows=[(2, row)], file_name="x.csv")
    assert not Issue.objects.exists()
