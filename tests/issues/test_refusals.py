"""Every workflow step that the issue's state refuses answers the same way: 409, the
service's reason on the page the user lands on, what they typed kept, and nothing written.

Each case sends a step from a page that was open before someone else moved the issue on
(the button was there when the page was drawn), so the role may act but the state refuses.
"""

from datetime import date

import pytest
import time_machine
from lxml import html

from issues import services
from issues.models import ActionUpdate, Assignment, ExtensionRequest, Issue
from roundtable.notifications.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db

_as = factories.client_as
_lead, _co = factories.lead_of, factories.co_of


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel("2026-09-29 10:00 +0800", tick=False):
        yield


@pytest.fixture
def x(staff, enterprise_1, monitor, dept_a, dept_b, liaison_a, liaison_b):
    """Lead A, co-handler B, both awaiting acceptance."""
    return services.issue_create(
        actor=staff,
        title="Land-use permit delayed",
        enterprise=enterprise_1,
        category=factories.CategoryFactory(),
        source=Issue.Source.HOTLINE,
        raised_on=date(2026, 9, 1),
        monitor=monitor,
        lead_department=dept_a,
        co_departments=[dept_b],
        deadline=date(2026, 10, 9),
    )


def _form_data(response) -> dict[str, list[str]]:
    form = html.fromstring(response.content.decode()).xpath('//main//form[@method="post"]')[0]
    data: dict[str, list[str]] = {}
    for name, value in form.form_values():
        data.setdefault(name, []).append(value)
    return data


def _accept_all(x, liaison_a, liaison_b):
    services.assignment_accept(actor=liaison_a, assignment=_lead(x))
    services.assignment_accept(actor=liaison_b, assignment=_co(x))


def _concluded(x, liaison_a, liaison_b):
    _accept_all(x, liaison_a, liaison_b)
    services.issue_report_conclusion(actor=liaison_a, issue=x, resolution="Permit issued.")


def _edit(x, p):
    open_form = _form_data(_as(p["staff"]).get(f"/issues/{x.pk}/edit/"))
    _concluded(x, p["liaison_a"], p["liaison_b"])
    services.issue_close(actor=p["staff"], issue=x, satisfaction="satisfied")
    open_form["title"] = ["Typed after it was closed"]
    return (
        p["staff"],
        f"/issues/{x.pk}/edit/",
        open_form,
        "A closed issue cannot be edited; reopen it first.",
    )


def _assign(x, p):
    open_form = _form_data(_as(p["staff"]).get(f"/issues/{x.pk}/assign/"))
    _concluded(x, p["liaison_a"], p["liaison_b"])
    open_form["lead_department"] = [str(p["dept_b"].pk)]
    open_form["co_departments"] = []
    return (
        p["staff"],
        f"/issues/{x.pk}/assign/",
        open_form,
        "A concluded or closed issue cannot be reassigned; reopen it first.",
    )


def _accept(x, p):
    services.assignment_accept(actor=p["liaison_a"], assignment=_lead(x))
    return (
        p["liaison_a"],
        f"/issues/{x.pk}/assignments/{_lead(x).pk}/accept/",
        {},
        "This assignment was already answered (Accepted).",
    )


def _return(x, p):
    services.assignment_accept(actor=p["liaison_a"], assignment=_lead(x))
    return (
        p["liaison_a"],
        f"/issues/{x.pk}/assignments/{_lead(x).pk}/return/",
        {"reason": "Typed reason: not our remit."},
        "Only an assignment awaiting acceptance can be returned.",
    )


def _progress(x, p):
    services.assignment_accept(actor=p["liaison_a"], assignment=_lead(x))
    return (
        p["liaison_b"],  # B has not accepted yet
        f"/issues/{x.pk}/progress/",
        {"body": "Typed progress: met the planning bureau."},
        "Accept the assignment before posting progress.",
    )


def _extension(x, p):
    return (
        p["liaison_a"],  # the lead has not accepted: not in progress
        f"/issues/{x.pk}/extension/",
        {"requested_deadline": "2026-11-30", "reason": "Typed reason: the survey is late."},
        "An extension can be requested only while the issue is in progress.",
    )


def _decide(x, p):
    _accept_all(x, p["liaison_a"], p["liaison_b"])
    extension = services.issue_request_extension(
        actor=p["liaison_a"], issue=x, requested_deadline=date(2026, 11, 30), reason="Survey."
    )
    services.extension_decide(actor=p["staff"], extension=extension, grant=True)
    return (
        p["staff"],
        f"/issues/{x.pk}/extension/{extension.pk}/decide/",
        {"decision": "refuse", "note": "Typed note: no."},
        "This request was already decided.",
    )


def _conclude(x, p):
    return (
        p["liaison_a"],  # not accepted yet
        f"/issues/{x.pk}/conclude/",
        {"resolution": "Typed resolution: permit issued.", "concluded_on": "2026-09-28"},
        "Only an accepted issue in progress can be reported as concluded.",
    )


def _close(x, p):
    _accept_all(x, p["liaison_a"], p["liaison_b"])
    return (
        p["staff"],
        f"/issues/{x.pk}/close/",
        {"satisfaction": "satisfied", "note": "Typed note: checked by phone."},
        "Only an issue whose conclusion was reported can be verified and closed.",
    )


def _reopen(x, p):
    _accept_all(x, p["liaison_a"], p["liaison_b"])
    return (
        p["staff"],
        f"/issues/{x.pk}/reopen/",
        {"reason": "Typed reason: the permit was withdrawn."},
        "Only a concluded or closed issue can be reopened.",
    )


STEPS = {
    "edit": _edit,
    "assign": _assign,
    "accept": _accept,
    "return": _return,
    "progress": _progress,
    "extension": _extension,
    "decide": _decide,
    "conclude": _conclude,
    "close": _close,
    "reopen": _reopen,
}


def _written(issue) -> tuple:
    """Everything a step could write about the issue."""
    return (
        Issue.objects.filter(pk=issue.pk).values_list("version", "status", "deadline").get(),
        Issue.history.filter(id=issue.pk).count(),
        list(
            Assignment.objects.filter(issue=issue)
            .order_by("pk")
            .values_list("pk", "status", "is_current", "department_id")
        ),
        Assignment.history.filter(issue_id=issue.pk).count(),
        list(ExtensionRequest.objects.filter(issue=issue).values_list("pk", "status")),
        ActionUpdate.objects.filter(issue=issue).count(),
        Notification.objects.count(),
    )


@pytest.mark.parametrize("step", STEPS)
def test_a_refused_step_answers_409_with_its_reason_and_writes_nothing(
    step, x, staff, liaison_a, liaison_b, dept_a, dept_b
):
    people = {
        "staff": staff,
        "liaison_a": liaison_a,
        "liaison_b": liaison_b,
        "dept_a": dept_a,
        "dept_b": dept_b,
    }
    actor, url, data, reason = STEPS[step](x, people)
    before = _written(x)

    response = _as(actor).post(url, data)

    assert response.status_code == 409
    page = html.fromstring(response.content.decode())
    [main] = page.xpath("//main")
    shown = " ".join(main.text_content().split())
    assert reason in shown
    assert shown.count(reason) == 1  # said once, not as a message and a form error too
    # What was typed is still on the page.
    typed = [v for values in data.items() for v in values[1] if str(v).startswith("Typed")]
    for text in typed:
        assert text in shown or text in page.xpath("//main//input/@value"), text
    assert _written(x) == before


def test_the_assign_page_of_a_concluded_issue_answers_like_the_edit_page_of_a_closed_one(
    x, staff, liaison_a, liaison_b
):
    _concluded(x, liaison_a, liaison_b)
    services.issue_close(actor=staff, issue=x, satisfaction="satisfied")
    for url, reason in (
        (f"/issues/{x.pk}/edit/", "A closed issue cannot be edited; reopen it first."),
        (
            f"/issues/{x.pk}/assign/",
            "A concluded or closed issue cannot be reassigned; reopen it first.",
        ),
    ):
        response = _as(staff).get(url)
        assert response.status_code == 409, url
        page = html.fromstring(response.content.decode())
        messages = [li.text_content().strip() for li in page.xpath('//ul[@class="messages"]/li')]
        assert messages == [reason]
