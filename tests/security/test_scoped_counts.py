"""Every figure counts only what its reader may see (issue 12).

The class of defect: a count, badge or total computed over all issues while the page around
it lists only the reader's. The world: issue X is led by A and co-handled by B; issue Y is
C's. Both were raised by E1, whose designated official is C's liaison (so LC opens E1's page
and portfolio), both came from meeting M, in which C and A take part, both belong to special
study S, and both are overdue. LC had a notice about X from before X was reassigned away
from C, and has one about Y.

For each page with a figure, LC's figure must equal what the ledger lists to LC for the same
question, and that is Y alone: X is left out. Commerce staff, who read the whole ledger,
count both, so each figure below would show the difference if it ignored the reader.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from issues.models import Issue, SpecialStudy
from roundtable.notifications.models import Notification
from tests import factories
from tests.meetings.helpers import make_meeting, make_roundtable

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 10, 16, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
OPEN = "&".join(f"status={s}" for s in Issue.Status.values if s != Issue.Status.CLOSED)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def w(dept_a, dept_b, dept_c, liaison_c, enterprise_1, issue_x):
    roundtable = make_roundtable(leading_department=dept_a)
    meeting = make_meeting(
        roundtable, topic="Meeting M", starts_at=NOW, departments=[dept_a, dept_c]
    )
    study = SpecialStudy.objects.create(title="Study S", lead_department=dept_a)
    y = factories.IssueFactory(title="C's own issue", enterprise=enterprise_1, status="in_progress")
    factories.AssignmentFactory(issue=y, department=dept_c, role="lead", status="accepted")
    Issue.objects.filter(pk__in=[issue_x.pk, y.pk]).update(
        meeting=meeting,
        special_study=study,
        status="in_progress",
        deadline=date(2026, 10, 9),
        raised_on=date(2026, 9, 1),
    )
    enterprise_1.designated_official = liaison_c
    enterprise_1.save()
    for issue in (issue_x, y):
        Notification.objects.create(
            recipient=liaison_c, issue=issue, title=f"{issue.reference} assigned", url="/"
        )
    return {"x": issue_x, "y": y, "meeting": meeting, "study": study, "e1": enterprise_1}


def _ledger_count(client, query: str) -> int:
    response = client.get(f"{reverse('issues:ledger')}?{query}")
    assert response.status_code == 200
    return response.context["page"].paginator.count


def _figures(client, w, dept_c):
    """(what the page shows, the ledger query for the same issues) for each figure."""
    m, s, e1 = w["meeting"].pk, w["study"].pk, w["e1"].pk

    def context(path):
        response = client.get(path)
        assert response.status_code == 200, path
        return response.context

    studies = {st.pk: st.issue_count for st in context(reverse("issues:studies"))["studies"]}
    meetings = context(f"{reverse('meetings:list')}?view=month&month=2026-10")["meetings"]
    home = context(reverse("dashboard:home"))
    portfolio = {e.pk: e.open_issues for e in context(reverse("enterprises:portfolio"))["rows"]}
    tabs = {key: n for key, _label, n in context(reverse("issues:my_department"))["tabs"]}
    return {
        "special studies list": (studies[s], f"special_study={s}"),
        "meetings calendar": (
            next(getattr(x, "issue_count", None) for x in meetings if x.pk == m),
            f"meeting={m}",
        ),
        "meeting page": (
            context(reverse("meetings:detail", args=[m]))["summary"]["total"],
            f"meeting={m}",
        ),
        "enterprise page": (
            context(reverse("enterprises:detail", args=[e1]))["issue_count"],
            f"enterprise={e1}",
        ),
        "portfolio": (portfolio[e1], f"enterprise={e1}&{OPEN}"),
        "home: department open": (home["department"]["open"], f"department={dept_c.pk}&{OPEN}"),
        "home: department overdue": (
            home["department"]["overdue"],
            f"department={dept_c.pk}&overdue=1",
        ),
        "my department: overdue tab": (tabs["overdue"], f"department={dept_c.pk}&overdue=1"),
    }


def test_every_figure_a_liaison_of_an_unrelated_department_sees_leaves_out_x(
    w, liaison_c, staff, dept_c
):
    client = factories.client_as(liaison_c)
    figures = _figures(client, w, dept_c)
    counted = {
        page: (shown, _ledger_count(client, query)) for page, (shown, query) in figures.items()
    }
    wrong = {page: pair for page, pair in counted.items() if pair != (1, 1)}
    assert wrong == {}, "(shown, ledger) where they differ"
    # Y is the one LC's ledger lists, not X.
    listed = client.get(f"{reverse('issues:ledger')}?meeting={w['meeting'].pk}").content.decode()
    assert w["y"].reference in listed and w["x"].reference not in listed


def test_commerce_staff_count_both_so_the_figures_above_depend_on_the_reader(w, staff, dept_c):
    client = factories.client_as(staff)
    m, s, e1 = w["meeting"].pk, w["study"].pk, w["e1"].pk
    assert _ledger_count(client, f"meeting={m}") == 2
    studies = client.get(reverse("issues:studies")).context["studies"]
    assert {st.pk: st.issue_count for st in studies}[s] == 2
    meetings = client.get(f"{reverse('meetings:list')}?view=month&month=2026-10").context[
        "meetings"
    ]
    assert next(x.issue_count for x in meetings if x.pk == m) == 2
    portfolio = client.get(
        f"{reverse('enterprises:portfolio')}?official={w['e1'].designated_official_id}"
    )
    assert {e.pk: e.open_issues for e in portfolio.context["rows"]}[e1] == 2
    assert client.get(reverse("dashboard:home")).context["district"]["open"] == 2


def test_the_notifications_count_and_list_leave_out_the_lost_issue(client, w, liaison_c):
    client.force_login(liaison_c)
    response = client.get(reverse("notifications:list"))
    assert response.context["unread"] == 1
    assert [n.issue_id for n in response.context["page"].object_list] == [w["y"].pk]
    badge = client.get(reverse("issues:ledger")).context["unread_notifications"]
    assert badge == 1


def test_a_department_dashboard_shows_a_member_no_district_figures_and_links_every_figure(
    client, w, liaison_c, staff
):
    """A department's figures cover the issues it leads, which its members may read; the
    district's cover every department's, so only readers of the whole ledger see them. Each
    figure shown opens the ledger listing exactly that many issues, for the same reader."""
    for reader, district_shown in ((liaison_c, False), (staff, True)):
        client.force_login(reader)
        path = f"{reverse('dashboard:department')}?department={w['y'].lead_department_id}"
        response = client.get(f"{path}&period=2026Q4")
        assert response.status_code == 200
        rows = response.context["rows"]
        assert all((row["district"] is not None) == district_shown for row in rows)
        assert ("District" in response.content.decode()) == district_shown
        for row in rows:
            cell = row["department"]
            for part in ("count", "part", "whole"):
                figure = cell.get(part)
                if figure and figure["href"]:
                    listed = client.get(figure["href"]).context["page"].paginator.count
                    assert listed == figure["value"], (reader.username, cell["key"], part)
        open_now = next(row["department"] for row in rows if row["department"]["key"] == "open")
        assert open_now["count"]["value"] == 1  # Y; X is A's
