"""The enterprise side's test world: issue X of E1 handled by department A (lead) and B,
built through the real services, with contacts of E1 and E2."""

from datetime import date

import pytest

from issues import services
from issues.models import Issue
from tests import factories


@pytest.fixture
def contact_1(enterprise_1):
    return factories.make_contact(enterprise_1, username="contact_1", name="Mika Contact")


@pytest.fixture
def contact_2(enterprise_2):
    return factories.make_contact(enterprise_2, username="contact_2")


@pytest.fixture
def x_in_progress(staff, liaison_a, liaison_b, monitor, dept_a, dept_b, enterprise_1):
    """Issue X of E1: assigned to A (lead) and B, both accepted, with a progress entry A
    shared with the enterprise, an internal one, and a chair's instruction."""
    x = services.issue_create(
        actor=staff,
        title="Land-use permit delayed 用地审批",
        enterprise=enterprise_1,
        category=factories.CategoryFactory(),
        source=Issue.Source.HOTLINE,
        raised_on=date(2026, 9, 1),
        monitor=monitor,
        lead_department=dept_a,
        co_departments=[dept_b],
        deadline=date(2026, 12, 9),
    )
    services.assignment_accept(actor=liaison_a, assignment=x.assignments.get(role="lead"))
    services.assignment_accept(actor=liaison_b, assignment=x.assignments.get(role="co"))
    services.issue_post_progress(
        actor=liaison_a, issue=x, body="Site survey booked for Friday", visible_to_enterprise=True
    )
    services.issue_post_progress(
        actor=liaison_a, issue=x, body="Internal: the bureau chief is on leave"
    )
    chair = factories.UserFactory(username="chair_x", roles=["chair"])
    services.issue_add_instruction(actor=chair, issue=x, body="Settle it this month 批示")
    x.refresh_from_db()
    return x


@pytest.fixture
def x_concluded(x_in_progress, liaison_a):
    services.issue_report_conclusion(
        actor=liaison_a, issue=x_in_progress, resolution="Permit issued on 3 December"
    )
    x_in_progress.refresh_from_db()
    return x_in_progress
