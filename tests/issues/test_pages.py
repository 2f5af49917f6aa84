"""The issue ledger's pages as users see them: logging an issue, the issue page per role, two
editors at once, special studies and My supervision.

Today is Tue 29 Sep 2026, between the Mid-Autumn Festival (Fri 25 to Sun 27 Sep off) and
National Day (1 to 7 Oct off; Sun 20 Sep and Sat 10 Oct are make-up working days), by the
official calendar the tests seed (chinese-calendar).
"""

import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from lxml import html

from issues import services
from issues.models import (
    ActionUpdate,
    Assignment,
    Issue,
    ReferenceCounter,
    SpecialStudy,
)
from roundtable.notifications.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel("2026-09-29 10:00 +0800", tick=False):
        yield


# --- Helpers: what a browser would read and send --------------------------------------------


_as = factories.client_as


def _doc(response, status=200):
    assert response.status_code == status
    return html.fromstring(response.content.decode())


def _messages(response) -> list[str]:
    doc = html.fromstring(response.content.decode())
    return [li.text_content().strip() for li in doc.xpath('//ul[@class="messages"]/li')]


def _input(doc, name) -> str:
    [value] = doc.xpath(f'//input[@name="{name}"]/@value') or [""]
    return value


def _textarea(doc, name) -> str:
    [area] = doc.xpath(f'//textarea[@name="{name}"]')
    return area.text_content().strip()


def _selected(doc, name) -> list[str]:
    return doc.xpath(f'//select[@name="{name}"]/option[@selected]/@value')


def _checked(doc, name) -> list[str]:
    return doc.xpath(f'//input[@name="{name}"][@checked]/@value')


def _field_errors(doc, name) -> str:
    [field] = doc.xpath(f'//div[@id="field-{name}"]')
    return " ".join(e.text_content() for e in field.xpath('.//ul[@class="errorlist"]'))


def _form_data(doc) -> dict[str, list[str]]:
    """The values the page's (first) form would submit, as a browser sends them."""
    form = doc.xpath('//main//form[@method="post"]')[0]
    data: dict[str, list[str]] = {}
    for name, value in form.form_values():
        data.setdefault(name, []).append(value)
    return data


def _facts(doc) -> dict[str, str]:
    """The Facts panel of the issue page, label to text."""
    [facts] = doc.xpath('//dl[@class="facts"]')
    labels = [dt.text_content().strip() for dt in facts.xpath("./dt")]
    values = [" ".join(dd.text_content().split()) for dd in facts.xpath("./dd")]
    return dict(zip(labels, values, strict=True))


def _table_links(doc) -> list[str]:
    return [a.text_content().strip() for a in doc.xpath("//table/tbody/tr/td[1]/a")]


def _counts():
    return {
        "issues": Issue.objects.count(),
        "issue history": Issue.history.count(),
        "assignments": Assignment.objects.count(),
        "updates": ActionUpdate.objects.count(),
        "notifications": Notification.objects.count(),
        "reference counters": list(ReferenceCounter.objects.values_list("year", "last")),
    }


# --- Shared set-up ----------------------------------------------------------------------------


@pytest.fixture
def category(db):
    return factories.CategoryFactory(code="land", name_en="Land use", name_zh="用地")


@pytest.fixture
def x(staff, enterprise_1, enterprise_2, monitor, category, dept_a, dept_b, liaison_a, liaison_b):
    """Issue X, logged and assigned by commerce staff: lead A, co-handler B, awaiting both."""
    return services.issue_create(
        actor=staff,
        title="Land-use permit delayed 项目用地审批",
        description="Phase two of the plant waits for the land-use permit.",
        enterprise=enterprise_1,
        other_enterprises=[enterprise_2],
        category=category,
        source=Issue.Source.HOTLINE,
        raised_on=date(2026, 9, 1),
        follow_up_requirement="Report to the monitor every Friday.",
        monitor=monitor,
        lead_department=dept_a,
        co_departments=[dept_b],
        deadline=date(2026, 10, 9),
    )


_lead, _co = factories.lead_of, factories.co_of


def _in_progress(issue, liaison_a, liaison_b):
    services.assignment_accept(actor=liaison_a, assignment=_lead(issue))
    services.assignment_accept(actor=liaison_b, assignment=_co(issue))
    issue.refresh_from_db()
    return issue


@pytest.fixture
def new_issue_post(enterprise_1, enterprise_2, category, monitor, dept_a, dept_b):
    """A complete, valid post of the new-issue form."""
    return {
        "submission_token": "token-1",
        "title": "Customs clearance of spare parts 备件清关",
        "description": "Spare parts wait three weeks at the port.\nThe line stops without them.",
        "enterprise": enterprise_1.pk,
        "other_enterprises": [enterprise_2.pk],
        "category": category.pk,
        "source": Issue.Source.WECHAT,
        "meeting": "",
        "raised_on": "2026-09-01",
        "priority": Issue.Priority.HIGH,
        "lead_department": dept_a.pk,
        "co_departments": [dept_b.pk],
        "deadline": "2026-10-16",
        "deadline_working_days": "",
        "follow_up_requirement": "Call the enterprise after each step.",
        "monitor": monitor.pk,
        "then": "view",
    }


# --- 1. Logging an issue ----------------------------------------------------------------------


def test_staff_log_an_issue_with_its_assignments_and_land_on_its_page(
    staff, new_issue_post, enterprise_1, enterprise_2, category, monitor, dept_a, dept_b
):
    client = _as(staff)
    response = client.post("/issues/new/", new_issue_post)

    issue = Issue.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/issues/{issue.pk}/"
    assert issue.title == "Customs clearance of spare parts 备件清关"
    assert issue.description.startswith("Spare parts wait three weeks")
    assert issue.enterprise == enterprise_1
    assert list(issue.other_enterprises.all()) == [enterprise_2]
    assert issue.category == category
    assert issue.source == Issue.Source.WECHAT
    assert issue.raised_on == date(2026, 9, 1)
    assert issue.priority == Issue.Priority.HIGH
    assert issue.monitor == monitor
    assert issue.created_by == staff
    assert issue.deadline == issue.original_deadline == date(2026, 10, 16)
    assert issue.status == Issue.Status.ASSIGNED
    assignments = {a.department: (a.role, a.status) for a in issue.assignments.current()}
    assert assignments == {dept_a: ("lead", "pending"), dept_b: ("co", "pending")}
    assert list(issue.updates.values_list("kind", flat=True)) == ["logged", "assigned"]

    page = client.get(response["Location"])
    assert f"Issue {issue.reference} logged." in _messages(page)
    assert _doc(page).get_element_by_id("issue-title").text_content() == issue.title


def test_a_double_submission_logs_the_issue_once(staff, new_issue_post):
    client = _as(staff)
    first = client.post("/issues/new/", new_issue_post)
    second = client.post("/issues/new/", new_issue_post, follow=True)

    issue = Issue.objects.get()
    assert first["Location"] == f"/issues/{issue.pk}/"
    assert second.redirect_chain == [(f"/issues/{issue.pk}/", 302)]
    assert "This form was already submitted; here is the issue." in _messages(second)
    assert issue.assignments.count() == 2


def test_log_and_start_another_gives_a_blank_form_and_says_what_was_logged(staff, new_issue_post):
    client = _as(staff)
    response = client.post("/issues/new/", new_issue_post | {"then": "another"}, follow=True)

    issue = Issue.objects.get()
    assert response.redirect_chain == [("/issues/new/", 302)]
    assert f"Issue {issue.reference} logged." in _messages(response)
    doc = _doc(response)
    assert _input(doc, "title") == ""
    assert _textarea(doc, "description") == ""
    # A fresh token, so that the next issue is not taken for a resubmission of this one.
    assert _input(doc, "submission_token") not in ("", "token-1")


def test_log_and_start_another_keeps_the_typed_text_on_error(staff, new_issue_post):
    client = _as(staff)
    before = _counts()
    response = client.post(
        "/issues/new/", new_issue_post | {"then": "another", "category": ""}, follow=True
    )

    assert response.redirect_chain == []
    doc = _doc(response)
    assert "This field is required." in _field_errors(doc, "category")
    assert _input(doc, "title") == "Customs clearance of spare parts 备件清关"
    assert _textarea(doc, "description").startswith("Spare parts wait three weeks")
    assert _counts() == before


@pytest.mark.parametrize(
    ("today", "working_days", "deadline"),
    [
        # Mon 28 Sep + 3: 29 Sep, 30 Sep, then 1 to 7 Oct are off, so Thu 8 Oct.
        ("2026-09-28", 3, date(2026, 10, 8)),
        # Tue 29 Sep + 3: 30 Sep, 8 Oct, 9 Oct.
        ("2026-09-29", 3, date(2026, 10, 9)),
        # Fri 18 Sep + 11 counts both make-up days (Sun 20 Sep, Sat 10 Oct) and skips the
        # Mid-Autumn Festival and National Day; counting Monday to Friday would give 5 Oct.
        ("2026-09-18", 11, date(2026, 10, 10)),
        # Tue 29 Sep + 5: ... 9 Oct, Sat 10 Oct (make-up), Sun 11 Oct off, Mon 12 Oct.
        ("2026-09-29", 5, date(2026, 10, 12)),
    ],
)
def test_a_deadline_in_working_days_counts_from_the_day_it_is_given_by_the_official_calendar(
    staff, new_issue_post, today, working_days, deadline
):
    # The issue was raised on 1 September: the count starts on the day the form is sent.
    client = _as(staff)
    post = new_issue_post | {"deadline": "", "deadline_working_days": str(working_days)}
    with time_machine.travel(f"{today} 10:00 +0800", tick=False):
        response = client.post("/issues/new/", post, follow=True)

    issue = Issue.objects.get()
    assert issue.raised_on == date(2026, 9, 1)
    assert issue.deadline == deadline
    assert (issue.deadline_working_days, issue.deadline_counted_from) == (
        working_days,
        date.fromisoformat(today),
    )
    assert not issue.deadline_provisional
    doc = _doc(response)
    assert doc.get_element_by_id("issue-deadline").text_content().split()[0] == str(deadline)
    assert not any("not a working day" in m for m in _messages(response))


@pytest.mark.parametrize("day_off", ["2026-10-03", "2026-10-11"])
def test_a_deadline_on_a_day_off_is_saved_with_a_warning(staff, new_issue_post, day_off):
    client = _as(staff)
    response = client.post("/issues/new/", new_issue_post | {"deadline": day_off}, follow=True)

    assert Issue.objects.get().deadline == date.fromisoformat(day_off)
    assert f"The deadline {day_off} is not a working day." in _messages(response)
    deadline = _doc(response).get_element_by_id("issue-deadline").text_content()
    assert "not a working day" in deadline


def test_a_deadline_on_a_make_up_saturday_is_no_day_off(staff, new_issue_post):
    client = _as(staff)
    response = client.post("/issues/new/", new_issue_post | {"deadline": "2026-10-10"}, follow=True)

    assert Issue.objects.get().deadline == date(2026, 10, 10)
    assert not any("not a working day" in m for m in _messages(response))
    deadline = _doc(response).get_element_by_id("issue-deadline").text_content()
    assert "not a working day" not in deadline


@pytest.mark.parametrize(
    ("change", "field", "error"),
    [
        ({"title": ""}, "title", "This field is required."),
        ("lead_also_co", "co_departments", "The lead department cannot also co-handle."),
        (
            {"deadline_working_days": "5"},
            "deadline_working_days",
            "Give the deadline as a date or in working days, not both.",
        ),
        (
            {"deadline": "2026-08-31"},
            "deadline",
            "The deadline cannot be before the day the issue was raised (2026-09-01).",
        ),
        ({"lead_department": ""}, "lead_department", "Choose the lead department"),
        ({"raised_on": "2026-09-30"}, "raised_on", "The day raised cannot be in the future."),
        (
            {"source": Issue.Source.MEETING},
            "meeting",
            "Choose the meeting the issue was raised at.",
        ),
    ],
)
def test_an_invalid_issue_is_shown_again_with_everything_typed_and_nothing_saved(
    x, staff, new_issue_post, dept_a, dept_b, change, field, error
):
    if change == "lead_also_co":
        change = {"co_departments": [dept_a.pk, dept_b.pk]}
    post = new_issue_post | change
    before = _counts()

    response = _as(staff).post("/issues/new/", post)

    doc = _doc(response, 200)
    assert error in _field_errors(doc, field)
    assert _counts() == before
    assert not _messages(response)
    assert _input(doc, "title") == post["title"]
    assert _textarea(doc, "description") == post["description"]
    assert _textarea(doc, "follow_up_requirement") == post["follow_up_requirement"]
    assert _input(doc, "raised_on") == post["raised_on"]
    assert _input(doc, "deadline") == post["deadline"]
    assert _input(doc, "deadline_working_days") == post["deadline_working_days"]
    assert _input(doc, "submission_token") == "token-1"
    for name in ("enterprise", "other_enterprises", "category", "source", "priority", "monitor"):
        value = post[name]
        expected = [str(v) for v in value] if isinstance(value, list) else [str(value)]
        assert _selected(doc, name) == expected, name
    assert _selected(doc, "lead_department") == [str(post["lead_department"])]
    assert sorted(_selected(doc, "co_departments")) == sorted(
        str(pk) for pk in post["co_departments"]
    )


@pytest.mark.parametrize("who", ["liaison_a", "chair", "monitor"])
def test_only_commerce_staff_may_log_issues(request, who, new_issue_post):
    client = _as(request.getfixturevalue(who))
    assert client.get("/issues/new/").status_code == 403
    assert client.post("/issues/new/", new_issue_post).status_code == 403
    assert not Issue.objects.exists()


# --- 2. The issue page ------------------------------------------------------------------------


def test_issue_page_shows_the_facts(x, staff, liaison_a, enterprise_1, enterprise_2, monitor):
    for user in (staff, liaison_a):
        doc = _doc(_as(user).get(f"/issues/{x.pk}/"))
        assert doc.get_element_by_id("issue-title").text_content() == x.title
        assert (
            x.reference
            in doc.xpath('//div[@class="page-head"]/p[@class="muted"]')[0].text_content()
        )
        facts = _facts(doc)
        assert facts["Raised by"] == f"{enterprise_1.name} {enterprise_1.credit_code}"
        assert facts["Also concerns"] == enterprise_2.name
        assert facts["Raised on"] == "2026-09-01"
        assert facts["Deadline"].startswith("2026-10-09 (3 working days left)")
        assert facts["Monitor of action"] == str(monitor)
        assert facts["Follow-up requirement"] == "Report to the monitor every Friday."
        assert facts["Logged by"].startswith(str(staff))
        assert doc.get_element_by_id("issue-status").text_content() == (
            "Assigned, awaiting acceptance"
        )
        description = doc.xpath('//div[@class="prose"]')[0].text_content()
        assert "Phase two of the plant waits for the land-use permit." in description


def _assignment_rows(doc) -> dict[str, tuple[str, ...]]:
    rows = {}
    for tr in doc.xpath('//tr[starts-with(@id, "assignment-")]'):
        cells = [" ".join(" ".join(td.itertext()).split()) for td in tr.xpath("./td")]
        rows[cells[0]] = tuple(cells[1:])
    return rows


def test_issue_page_shows_each_department_with_its_own_status(x, staff, liaison_b):
    services.assignment_accept(actor=liaison_b, assignment=_co(x))

    doc = _doc(_as(staff).get(f"/issues/{x.pk}/"))

    assert _assignment_rows(doc) == {
        "Department A": ("Lead department", "—", "Awaiting acceptance"),
        "Department B": ("Co-handling department", str(liaison_b), "Accepted"),
    }


def test_a_returned_assignment_shows_its_reason(x, staff, liaison_a):
    client = _as(liaison_a)
    response = client.post(
        f"/issues/{x.pk}/assignments/{_lead(x).pk}/return/",
        {"reason": "Land permits are the Planning Bureau's remit."},
        follow=True,
    )
    assert "Returned to commerce staff with your reason." in _messages(response)

    doc = _doc(_as(staff).get(f"/issues/{x.pk}/"))
    assert _assignment_rows(doc)["Department A"] == (
        "Lead department",
        "—",
        "Returned Land permits are the Planning Bureau's remit.",
    )
    assert doc.get_element_by_id("issue-status").text_content() == "Returned for reassignment"


def test_issue_page_shows_the_timeline_and_the_chairs_instructions(x, chair, liaison_a, liaison_b):
    _in_progress(x, liaison_a, liaison_b)
    response = _as(chair).post(
        f"/issues/{x.pk}/instruction/",
        {"body": "Settle it before the next roundtable. 请抓紧办理。"},
        follow=True,
    )
    assert "Instruction added." in _messages(response)
    response = _as(liaison_a).post(
        f"/issues/{x.pk}/progress/", {"body": "Site survey booked for 12 October."}, follow=True
    )
    assert "Progress posted." in _messages(response)

    doc = _doc(_as(liaison_b).get(f"/issues/{x.pk}/"))

    [instruction] = doc.xpath('//section[contains(@class, "instructions")]/blockquote')
    assert "Settle it before the next roundtable. 请抓紧办理。" in instruction.text_content()
    assert str(chair) in instruction.xpath("./footer")[0].text_content()
    entries = doc.get_element_by_id("timeline").xpath("./li")
    kinds = [li.xpath("./div/strong")[0].text_content() for li in entries]
    assert kinds == [
        "Progress update",
        "Chair's instruction",
        "Accepted",
        "Accepted",
        "Assigned",
        "Logged",
    ]
    assert "Site survey booked for 12 October." in entries[0].text_content()
    assert "Department A" in entries[0].text_content()
    assert "Department A, Department B" in entries[4].text_content()


def _diffs(doc) -> list[tuple[str, str, str]]:
    return [
        (
            li.xpath("./strong")[0].text_content(),
            li.xpath("./del")[0].text_content(),
            li.xpath("./ins")[0].text_content(),
        )
        for li in doc.xpath('//ul[@class="diff"]/li')
    ]


def test_history_shows_an_edit_as_the_old_and_the_new_value(x, staff, liaison_a):
    client = _as(staff)
    form = _form_data(_doc(client.get(f"/issues/{x.pk}/edit/")))
    form["title"] = ["Land-use permit for phase two"]
    form["priority"] = [Issue.Priority.URGENT]
    assert client.post(f"/issues/{x.pk}/edit/", form).status_code == 302
    services.assignment_accept(actor=liaison_a, assignment=_lead(x))

    doc = _doc(_as(liaison_a).get(f"/issues/{x.pk}/history/"))

    diffs = _diffs(doc)
    assert ("title", x.title, "Land-use permit for phase two") in diffs
    assert ("priority", "Normal", "Urgent") in diffs
    assert ("status", "Awaiting acceptance", "Accepted") in diffs
    [edit_row] = [tr for tr in doc.xpath("//tbody/tr") if "Urgent" in tr.text_content()]
    who, what = (td.text_content() for td in edit_row.xpath("./td")[1:3])
    assert who.strip() == str(staff)
    assert "edited" in what


def _actions(doc, issue) -> set[str]:
    """What the viewer is offered on the issue page: the forms it may post and the edit and
    assign links."""
    names = {
        r"assignments/(\d+)/accept/$": "accept",
        r"assignments/(\d+)/return/$": "return",
        r"/progress/$": "progress",
        r"/extension/$": "extension",
        r"/conclude/$": "conclude",
        r"/close/$": "close",
        r"/reopen/$": "reopen",
        r"/instruction/$": "instruct",
        r"/attachments/$": "attach",
        r"/edit/$": "edit",
        r"/assign/$": "assign",
    }
    targets = doc.xpath("//main//form/@action") + doc.xpath('//div[@class="form-actions"]/a/@href')
    found = set()
    for target in targets:
        if not target.startswith(f"/issues/{issue.pk}/"):
            continue
        for pattern, name in names.items():
            if re.search(pattern, target):
                found.add(name)
    return found


ASSIGNED = {
    "liaison_a": {"accept", "return", "attach"},
    "liaison_b": {"accept", "return", "attach"},
    "staff": {"edit", "assign", "attach"},
    "chair": {"instruct"},
    "monitor": set(),
}
# One attachment control on the page: a department that posts progress attaches with it.
IN_PROGRESS = {
    "liaison_a": {"progress", "conclude", "extension"},
    "liaison_b": {"progress"},
    "staff": {"edit", "assign", "attach"},
    "chair": {"instruct"},
    "monitor": set(),
}
CONCLUDED = {
    "liaison_a": {"attach"},
    "liaison_b": {"attach"},
    "staff": {"edit", "close", "reopen", "attach"},
    "chair": {"instruct"},
    "monitor": set(),
}


@pytest.mark.parametrize("who", sorted(ASSIGNED))
def test_an_assigned_issue_offers_each_role_only_its_actions(request, x, who):
    doc = _doc(_as(request.getfixturevalue(who)).get(f"/issues/{x.pk}/"))
    assert _actions(doc, x) == ASSIGNED[who]


def test_a_department_answers_only_its_own_assignment(x, liaison_a, liaison_b):
    for user, assignment in ((liaison_a, _lead(x)), (liaison_b, _co(x))):
        doc = _doc(_as(user).get(f"/issues/{x.pk}/"))
        actions = doc.get_element_by_id("respond").xpath(".//form/@action")
        assert actions == [
            f"/issues/{x.pk}/assignments/{assignment.pk}/accept/",
            f"/issues/{x.pk}/assignments/{assignment.pk}/return/",
        ]


@pytest.mark.parametrize("who", sorted(IN_PROGRESS))
def test_an_issue_in_progress_offers_each_role_only_its_actions(
    request, x, liaison_a, liaison_b, who
):
    _in_progress(x, liaison_a, liaison_b)
    doc = _doc(_as(request.getfixturevalue(who)).get(f"/issues/{x.pk}/"))
    assert _actions(doc, x) == IN_PROGRESS[who]


@pytest.mark.parametrize("who", sorted(CONCLUDED))
def test_a_reported_conclusion_offers_each_role_only_its_actions(
    request, x, liaison_a, liaison_b, who
):
    _in_progress(x, liaison_a, liaison_b)
    services.issue_report_conclusion(actor=liaison_a, issue=x, resolution="Permit issued.")
    doc = _doc(_as(request.getfixturevalue(who)).get(f"/issues/{x.pk}/"))
    assert _actions(doc, x) == CONCLUDED[who]


def test_a_reader_with_nothing_to_do_is_told_so(x, monitor):
    doc = _doc(_as(monitor).get(f"/issues/{x.pk}/"))
    actions = doc.get_element_by_id("actions").text_content()
    assert "You can read this issue; there is nothing for you to do on it now." in actions


def test_a_liaison_outside_the_issues_departments_gets_404(x, liaison_c):
    response = _as(liaison_c).get(f"/issues/{x.pk}/")
    assert response.status_code == 404
    assert x.title not in response.content.decode()
    assert _as(liaison_c).get(f"/issues/{x.pk}/history/").status_code == 404


def test_a_user_with_no_ledger_role_gets_403(x, admin_user):
    assert _as(admin_user).get(f"/issues/{x.pk}/").status_code == 403


# --- 3. Two editors at once -------------------------------------------------------------------


def test_a_stale_edit_is_refused_keeping_the_typed_text_and_showing_the_new_state(x):
    first = _as(factories.UserFactory(username="staff_one", roles=["commerce_staff"]))
    second = _as(factories.UserFactory(username="staff_two", roles=["commerce_staff"]))
    first_form = _form_data(_doc(first.get(f"/issues/{x.pk}/edit/")))
    second_form = _form_data(_doc(second.get(f"/issues/{x.pk}/edit/")))
    assert first_form["version"] == second_form["version"] == [str(x.version)]

    first_form["title"] = ["Permit for phase two: first editor"]
    saved = first.post(f"/issues/{x.pk}/edit/", first_form, follow=True)
    assert "Saved." in _messages(saved)
    x.refresh_from_db()
    after_first = (x.title, x.description, x.version, x.history.count())

    second_form["title"] = ["Permit for phase two: second editor"]
    second_form["description"] = ["The second editor's longer account."]
    refused = second.post(f"/issues/{x.pk}/edit/", second_form)

    doc = _doc(refused, 409)
    conflict = doc.get_element_by_id("conflict")
    assert "This issue was changed by someone else while you were editing." in (
        conflict.text_content()
    )
    current = dict(
        zip(
            [dt.text_content() for dt in conflict.xpath(".//dt")],
            [dd.text_content().strip() for dd in conflict.xpath(".//dd")],
            strict=True,
        )
    )
    assert current["Current title"] == "Permit for phase two: first editor"
    assert current["Current description"] == x.description
    assert _input(doc, "title") == "Permit for phase two: second editor"
    assert _textarea(doc, "description") == "The second editor's longer account."
    x.refresh_from_db()
    assert (x.title, x.description, x.version, x.history.count()) == after_first
    assert _input(doc, "version") == str(x.version)

    # Having compared, the second editor saves the kept form again: now it goes through.
    again = second.post(f"/issues/{x.pk}/edit/", _form_data(doc))
    assert again.status_code == 302
    x.refresh_from_db()
    assert x.title == "Permit for phase two: second editor"
    assert x.description == "The second editor's longer account."


def test_a_change_to_the_enterprises_it_also_concerns_is_a_new_version(x, enterprise_2):
    first = _as(factories.UserFactory(username="staff_one", roles=["commerce_staff"]))
    second = _as(factories.UserFactory(username="staff_two", roles=["commerce_staff"]))
    first_form = _form_data(_doc(first.get(f"/issues/{x.pk}/edit/")))
    second_form = _form_data(_doc(second.get(f"/issues/{x.pk}/edit/")))
    assert first_form["other_enterprises"] == [str(enterprise_2.pk)]

    first_form["other_enterprises"] = []  # only the enterprises it also concerns change
    assert first.post(f"/issues/{x.pk}/edit/", first_form).status_code == 302
    x.refresh_from_db()
    assert list(x.other_enterprises.all()) == []
    assert x.history.first().history_change_reason == "edited: other_enterprises"

    # The second editor's form still lists enterprise 2: saving it would silently undo the
    # first edit, so it is refused as any stale edit.
    second_form["title"] = ["A new title from a stale form"]
    refused = second.post(f"/issues/{x.pk}/edit/", second_form)
    assert refused.status_code == 409
    x.refresh_from_db()
    assert list(x.other_enterprises.all()) == []
    assert x.title != "A new title from a stale form"


def _closed(issue, liaison_a, liaison_b, staff):
    _in_progress(issue, liaison_a, liaison_b)
    services.issue_report_conclusion(actor=liaison_a, issue=issue, resolution="Permit issued.")
    issue.refresh_from_db()
    services.issue_close(actor=staff, issue=issue, satisfaction="satisfied")
    issue.refresh_from_db()
    return issue


def test_a_closed_issue_cannot_be_edited_until_reopened(x, staff, liaison_a, liaison_b):
    client = _as(staff)
    open_form = _form_data(_doc(client.get(f"/issues/{x.pk}/edit/")))
    _closed(x, liaison_a, liaison_b, staff)
    version, title = x.version, x.title

    # Asked for, the edit page answers with the issue page and why.
    refused = client.get(f"/issues/{x.pk}/edit/")
    assert refused.status_code == 409
    assert "A closed issue cannot be edited; reopen it first." in _messages(refused)

    # A form opened before it was closed is refused on saving, keeping what was typed.
    open_form["version"] = [str(version)]
    open_form["title"] = ["Edited after closing"]
    refused = client.post(f"/issues/{x.pk}/edit/", open_form)
    doc = _doc(refused, 409)
    assert "reopen it first" in doc.xpath('//div[@class="form-errors"]')[0].text_content()
    assert _input(doc, "title") == "Edited after closing"
    x.refresh_from_db()
    assert (x.version, x.title) == (version, title)
    with pytest.raises(services.TransitionRefused):
        services.issue_update(actor=staff, issue=x, expected_version=version, title="Again")

    services.issue_reopen(actor=staff, issue=x, reason="The permit was withdrawn.")
    assert client.get(f"/issues/{x.pk}/edit/").status_code == 200


def test_an_invalid_edit_keeps_the_typed_text_and_saves_nothing(x, staff):
    client = _as(staff)
    form = _form_data(_doc(client.get(f"/issues/{x.pk}/edit/")))
    form["title"] = [""]
    form["description"] = ["A new description nobody should lose."]
    history = x.history.count()

    doc = _doc(client.post(f"/issues/{x.pk}/edit/", form), 400)

    assert "This field is required." in _field_errors(doc, "title")
    assert _textarea(doc, "description") == "A new description nobody should lose."
    x.refresh_from_db()
    assert x.title == "Land-use permit delayed 项目用地审批"
    assert x.history.count() == history


def test_only_commerce_staff_edit_an_issue(x, liaison_a, chair):
    for user in (liaison_a, chair):
        assert _as(user).get(f"/issues/{x.pk}/edit/").status_code == 403


# --- 4. Special studies -----------------------------------------------------------------------


@pytest.fixture
def y(staff, enterprise_2, category, dept_c):
    """Issue Y: the same problem, raised by E2, led by department C."""
    return services.issue_create(
        actor=staff,
        title="Land-use permit for a warehouse",
        enterprise=enterprise_2,
        category=category,
        source=Issue.Source.SERVICE_VISIT,
        raised_on=date(2026, 9, 10),
        lead_department=dept_c,
        deadline=date(2026, 10, 20),
    )


def _study_post(dept_a, *issues):
    return {
        "title": "Land-use approvals for foreign-invested plants",
        "lead_department": dept_a.pk,
        "status": SpecialStudy.Status.IN_STUDY,
        "description": "Several enterprises wait months for land-use permits.",
        "findings": "Two approvals run one after the other.",
        "policy_outcome": "Run both approvals in parallel.",
        "issues": [i.pk for i in issues],
    }


def test_staff_create_a_study_of_several_issues(x, y, staff, dept_a, enterprise_1, enterprise_2):
    client = _as(staff)
    form = _doc(client.get(f"/issues/studies/new/?issue={x.pk}&issue={y.pk}"))
    assert sorted(_checked(form, "issues")) == sorted([str(x.pk), str(y.pk)])

    response = client.post("/issues/studies/new/", _study_post(dept_a, x, y), follow=True)

    study = SpecialStudy.objects.get()
    assert response.redirect_chain == [(f"/issues/studies/{study.pk}/", 302)]
    assert "Special study created." in _messages(response)
    assert study.created_by == staff
    assert set(study.issues.all()) == {x, y}
    doc = _doc(response)
    assert doc.xpath("//h1")[0].text_content() == "Land-use approvals for foreign-invested plants"
    head = doc.xpath('//div[@class="page-head"]/p')[0].text_content()
    assert "In study" in head and "Department A" in head
    facts = _facts(doc)
    assert facts["Findings"] == "Two approvals run one after the other."
    assert facts["Policy outcome"] == "Run both approvals in parallel."
    rows = [
        tuple(td.text_content().strip() for td in tr.xpath("./td")[:3])
        for tr in doc.xpath("//table/tbody/tr")
    ]
    assert rows == [
        (x.reference, x.title, enterprise_1.name),
        (y.reference, y.title, enterprise_2.name),
    ]
    enterprises = [li.text_content() for li in doc.xpath('//ul[@class="link-list"]/li')]
    assert sorted(enterprises) == sorted([enterprise_1.name, enterprise_2.name])


def test_a_study_lists_the_enterprises_its_issues_also_concern(
    x, staff, dept_a, enterprise_1, enterprise_2
):
    client = _as(staff)
    response = client.post("/issues/studies/new/", _study_post(dept_a, x), follow=True)
    enterprises = [li.text_content() for li in _doc(response).xpath('//ul[@class="link-list"]/li')]
    # Issue X was raised by enterprise 1 and also concerns enterprise 2.
    assert sorted(enterprises) == sorted([enterprise_1.name, enterprise_2.name])


def test_the_issue_page_links_to_its_study(x, y, staff, liaison_a, dept_a):
    _as(staff).post("/issues/studies/new/", _study_post(dept_a, x))
    study = SpecialStudy.objects.get()

    doc = _doc(_as(liaison_a).get(f"/issues/{x.pk}/"))
    [link] = doc.xpath('//dl[@class="facts"]//a[contains(@href, "/studies/")]')
    assert link.get("href") == f"/issues/studies/{study.pk}/"
    assert link.text_content() == study.title
    assert "Special study" not in _facts(_doc(_as(staff).get(f"/issues/{y.pk}/")))
    history = _doc(_as(staff).get(f"/issues/{x.pk}/history/"))
    assert ("special study", "—", study.title) in _diffs(history)


def test_the_study_list_counts_its_issues(x, y, staff, chair, dept_a):
    _as(staff).post("/issues/studies/new/", _study_post(dept_a, x, y))

    for user, can_create in ((staff, True), (chair, False)):
        doc = _doc(_as(user).get("/issues/studies/"))
        [row] = doc.xpath("//table/tbody/tr")
        cells = [td.text_content().strip() for td in row.xpath("./td")]
        assert cells == [
            "Land-use approvals for foreign-invested plants",
            "Department A",
            "In study",
            "2",
        ]
        assert bool(doc.xpath('//a[@href="/issues/studies/new/"]')) is can_create


@pytest.mark.parametrize("who", ["liaison_a", "head_a", "chair", "monitor"])
def test_only_commerce_staff_create_or_edit_studies(request, who, x, staff, dept_a):
    _as(staff).post("/issues/studies/new/", _study_post(dept_a, x))
    study = SpecialStudy.objects.get()
    client = _as(request.getfixturevalue(who))

    assert client.get("/issues/studies/new/").status_code == 403
    assert client.post("/issues/studies/new/", _study_post(dept_a, x)).status_code == 403
    edit = _study_post(dept_a) | {"title": "Renamed by someone else"}
    assert client.post(f"/issues/studies/{study.pk}/edit/", edit).status_code == 403

    assert SpecialStudy.objects.count() == 1
    study.refresh_from_db()
    assert study.title == "Land-use approvals for foreign-invested plants"
    assert list(study.issues.all()) == [x]


def test_a_liaison_sees_in_a_study_only_the_issues_it_may_see(
    x, y, staff, liaison_c, dept_a, enterprise_1, enterprise_2
):
    _as(staff).post("/issues/studies/new/", _study_post(dept_a, x, y))
    study = SpecialStudy.objects.get()

    doc = _doc(_as(liaison_c).get(f"/issues/studies/{study.pk}/"))

    assert _table_links(doc) == [y.reference]
    text = doc.text_content()
    assert x.title not in text and enterprise_1.name not in text
    assert enterprise_2.name in text


# --- 5. My supervision ------------------------------------------------------------------------


def test_my_supervision_lists_the_open_issues_i_monitor_soonest_deadline_first(
    x, y, staff, monitor, liaison_a, liaison_b, category, enterprise_1
):
    sooner = services.issue_create(
        actor=staff,
        title="Work permits for two engineers",
        enterprise=enterprise_1,
        category=category,
        source=Issue.Source.EMAIL,
        raised_on=date(2026, 9, 2),
        monitor=monitor,
        lead_department=x.lead_department,
        deadline=date(2026, 10, 8),
    )
    factories.IssueFactory(
        title="Closed long ago",
        monitor=monitor,
        status="closed",
        closed_at=datetime(2026, 6, 30, 2, tzinfo=UTC),
    )

    doc = _doc(_as(monitor).get("/issues/supervision/"))

    rows = doc.xpath("//table/tbody/tr")
    assert [tr.xpath("./td[2]/a")[0].text_content() for tr in rows] == [sooner.title, x.title]
    assert [tr.xpath("./td[1]/a/@href")[0] for tr in rows] == [
        f"/issues/{sooner.pk}/",
        f"/issues/{x.pk}/",
    ]
    text = doc.text_content()
    assert y.title not in text and "Closed long ago" not in text


@pytest.mark.parametrize("who", ["staff", "liaison_a", "chair"])
def test_my_supervision_is_empty_for_who_monitors_nothing(request, x, who):
    doc = _doc(_as(request.getfixturevalue(who)).get("/issues/supervision/"))
    rows = doc.xpath("//table/tbody/tr")
    assert [r.text_content().strip() for r in rows] == ["No issues match."]
    assert x.title not in doc.text_content()


def test_my_supervision_is_refused_to_a_user_with_no_ledger_role(x):
    nobody = factories.UserFactory(username="nobody")
    assert _as(nobody).get("/issues/supervision/").status_code == 403


def test_my_supervision_query_count_does_not_grow_with_issues(
    x, staff, monitor, category, enterprise_1, dept_a, django_assert_max_num_queries
):
    client = _as(monitor)
    client.get("/issues/supervision/")
    with django_assert_max_num_queries(20) as few:
        client.get("/issues/supervision/")
    for n in range(10):
        services.issue_create(
            actor=staff,
            title=f"More {n}",
            enterprise=enterprise_1,
            category=category,
            source=Issue.Source.EMAIL,
            monitor=monitor,
            lead_department=dept_a,
            deadline=date(2026, 10, 30),
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/issues/supervision/")
    assert len(_doc(page).xpath("//table/tbody/tr")) == 11
