import threading
from datetime import date

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.utils import translation

from issues import services
from issues.models import Assignment, Issue
from tests import factories

pytestmark = pytest.mark.django_db


def test_an_issue_cannot_have_two_current_lead_departments(issue_x, dept_c):
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(issue=issue_x, department=dept_c, role="lead")


def test_a_retired_lead_does_not_block_a_new_one(issue_x, dept_c):
    issue_x.assignments.filter(role="lead").update(is_current=False)
    Assignment.objects.create(issue=issue_x, department=dept_c, role="lead")
    assert issue_x.assignments.filter(role="lead").count() == 2


def test_invalid_status_is_refused_by_the_database(issue_x):
    with pytest.raises(IntegrityError), transaction.atomic():
        Issue.objects.filter(pk=issue_x.pk).update(status="archived")


def test_a_closed_issue_must_carry_its_closing_time(issue_x):
    with pytest.raises(IntegrityError), transaction.atomic():
        Issue.objects.filter(pk=issue_x.pk).update(status="closed", closed_at=None)


def _log(staff, enterprise, category, **extra):
    return services.issue_create(
        actor=staff,
        title="Customs clearance takes three weeks",
        enterprise=enterprise,
        category=category,
        source=Issue.Source.HOTLINE,
        raised_on=date(2026, 3, 2),
        **extra,
    )


def test_references_count_up_per_year(staff, enterprise_1):
    category = factories.CategoryFactory()
    first = _log(staff, enterprise_1, category)
    second = _log(staff, enterprise_1, category)
    next_year = services.issue_create(
        actor=staff,
        title="Next year",
        enterprise=enterprise_1,
        category=category,
        source="other",
        raised_on=date(2027, 1, 5),
    )
    assert (first.reference, second.reference) == ("RT-2026-00001", "RT-2026-00002")
    assert next_year.reference == "RT-2027-00001"


def test_history_records_the_acting_user_and_reason(staff, enterprise_1, dept_a):
    category = factories.CategoryFactory()
    issue = _log(staff, enterprise_1, category, lead_department=dept_a, deadline=date(2026, 4, 1))
    latest = issue.history.latest()
    assert latest.history_user == staff
    assert latest.history_change_reason == "assigned"
    assert issue.history.earliest().history_change_reason == "logged"
    assignment = issue.assignments.get()
    assert assignment.history.latest().history_user == staff


@pytest.mark.django_db(transaction=True)
def test_references_stay_unique_under_concurrent_creation():
    if connection.vendor != "postgresql":
        pytest.skip(
            "row locking under real concurrency is a PostgreSQL property; SQLite "
            "serialises writers with BEGIN IMMEDIATE"
        )
    staff = factories.UserFactory(username="staff", roles=["commerce_staff"])
    enterprise = factories.EnterpriseFactory()
    category = factories.CategoryFactory()
    barrier = threading.Barrier(8)
    errors = []

    def create(n):
        try:
            barrier.wait()
            for _ in range(5):
                _log(staff, enterprise, category)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    references = list(Issue.objects.values_list("reference", flat=True))
    assert len(references) == 40
    assert len(set(references)) == 40
    assert sorted(Issue.objects.values_list("sequence", flat=True)) == list(range(1, 41))


def test_status_labels_follow_the_language_of_each_call():
    issue = Issue(status=Issue.Status.CLOSED)
    assignment = Assignment(status=Assignment.Status.ACCEPTED)
    with translation.override("en"):
        assert issue.get_status_display() == "Closed"
        english = assignment.get_status_display()
    with translation.override("zh-hans"):
        assert issue.get_status_display() == "已销号"
        assert assignment.get_status_display() != english
    # A value the choices do not know is shown as it is, as Django does.
    assert Issue(status="archived").get_status_display() == "archived"


def test_the_lifecycle_order_lists_every_status_once():
    # The ledger's status sort and its index (issue_lifecycle) use this order.
    from issues.models import LIFECYCLE

    assert LIFECYCLE == Issue.Status.values
