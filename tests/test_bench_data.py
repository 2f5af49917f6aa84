"""The bulk loader's rows look like a real ledger (issue 15): thousands of distinct titles,
descriptions of 50–800 characters, about 15 % English, timelines with progress notes, history
rows, a few liaisons per department and enterprise contacts' accounts; the same seed gives the
same rows."""

import io
import random
from collections import Counter, defaultdict

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Max

from bench import datastats
from departments.models import Department, DepartmentMembership
from issues.models import ActionUpdate, Issue
from roundtable.accounts.models import User
from roundtable.dashboard import demo
from roundtable.dashboard.demo import content, texts
from roundtable.enterprises.models import Enterprise, EnterpriseContact

pytestmark = pytest.mark.django_db

BULK = 1500


@pytest.fixture
def loaded(settings):
    """The base set, then BULK synthetic issues, 120 enterprises and 80 users."""
    settings.DEBUG = True
    call_command("load_demo", stdout=io.StringIO())
    last = Issue.objects.aggregate(m=Max("pk"))["m"]
    call_command(
        "load_demo",
        "--issues", str(BULK), "--enterprises", "120", "--users", "80",
        stdout=io.StringIO(),
    )  # fmt: skip
    return Issue.objects.filter(pk__gt=last)


def test_bulk_issues_read_like_a_real_ledger(loaded):
    stats = datastats.profile(loaded)
    assert stats["issues"] == BULK
    assert stats["distinct_titles"] >= 0.5 * BULK  # thousands at 10k and 100k
    assert 0.10 <= stats["english_titles_share"] <= 0.20
    assert stats["empty_descriptions"] == 0
    lengths = stats["description_length"]
    assert lengths["min"] >= 50 and lengths["max"] <= 800
    assert lengths["p90"] - lengths["p10"] >= 200  # a spread, not one template
    assert stats["progress_notes"] >= 0.5 * BULK
    assert stats["history_rows_per_issue"] >= 2

    # A description is in its title's language.
    for title, description in loaded.values_list("title", "description")[:300]:
        assert datastats.is_english(title) == datastats.is_english(description), title

    # One load for all three (the base set takes a while to build).
    _each_bulk_issue_has_a_consistent_timeline_and_history(loaded)
    _synthetic_people_and_enterprises_are_invented_and_spread(loaded)


def _each_bulk_issue_has_a_consistent_timeline_and_history(loaded):
    history = defaultdict(list)
    for row in Issue.history.model.objects.filter(id__in=loaded.values("pk")).order_by(
        "history_date", "history_id"
    ):
        history[row.id].append(row)
    timeline = defaultdict(list)
    for u in ActionUpdate.objects.filter(issue__in=loaded).order_by("created_at", "pk"):
        timeline[u.issue_id].append(u)
    for issue in loaded:
        rows = history[issue.pk]
        assert rows[0].history_type == "+" and rows[0].status == "logged"
        assert all(r.history_type == "~" for r in rows[1:])
        assert (rows[-1].status, rows[-1].version, rows[-1].title) == (
            issue.status,
            issue.version,
            issue.title,
        )
        entries = timeline[issue.pk]
        assert entries[0].kind == ActionUpdate.Kind.LOGGED
        steps = [u for u in entries if u.new_status]
        assert (steps[-1].new_status if steps else "logged") == issue.status
        assert all(a.new_status == b.old_status for a, b in zip(steps, steps[1:], strict=False))
        assert [r.status for r in rows[1:]] == [s.new_status for s in steps]
        for note in entries:
            if note.kind == ActionUpdate.Kind.PROGRESS:
                assert note.body and note.author_id and note.department_id
        if issue.status != "logged":
            assert issue.lead_department_id is not None


def _synthetic_people_and_enterprises_are_invented_and_spread(loaded):
    users = User.objects.filter(username__startswith="bulk_user_")
    assert users.count() == 80
    officials = users.filter(is_enterprise_contact=False)
    assert all(u.mobile.startswith("139-0000-") for u in officials)
    assert all(u.office_phone.startswith("023-6000-") for u in officials)
    liaisons = DepartmentMembership.objects.current().liaisons().filter(user__in=users)
    departments = set(liaisons.values_list("department", flat=True))
    assert departments <= set(Department.objects.values_list("pk", flat=True))
    # A few liaisons per department, not dozens: each gets every deadline reminder of it.
    assert 3 <= liaisons.count() <= 20
    assert max(Counter(liaisons.values_list("department", flat=True)).values()) <= 6
    # Most accounts are enterprise contacts', each linked to one synthetic contact.
    contacts = users.filter(is_enterprise_contact=True)
    assert contacts.count() >= 0.7 * 80
    assert all(u.mobile.startswith("138-0000-") for u in contacts)
    linked = EnterpriseContact.objects.filter(user__in=contacts)
    assert linked.count() == contacts.count()
    assert all(c.enterprise.credit_code.startswith("91500103X") for c in linked)
    assert set(contacts.values_list("preferred_language", flat=True)) >= {"zh-hans", "en"}
    assert (
        users.filter(groups__name="commerce_staff").count() + liaisons.count() + contacts.count()
        == 80
    )
    # Someone other than the base set's liaison answers for a department.
    assert loaded.filter(assignments__responsible_person__in=users).exists()
    synthetic = Enterprise.objects.filter(credit_code__startswith="91500103X")
    assert synthetic.count() == 120
    assert synthetic.values("name_zh").distinct().count() == 120
    assert all(e.name_zh.endswith("（重庆）有限公司") for e in synthetic)
    # Issues are raised by the synthetic enterprises too.
    assert loaded.filter(enterprise__in=synthetic).exists()


def test_the_same_seed_gives_the_same_rows(settings):
    settings.DEBUG = True
    call_command("load_demo", stdout=io.StringIO())
    drawn = []
    for _ in range(2):
        with transaction.atomic():
            last = Issue.objects.aggregate(m=Max("pk"))["m"]
            demo.add_issues(200)
            new = Issue.objects.filter(pk__gt=last).order_by("pk")
            drawn.append(list(new.values_list("reference", "title", "description", "status")))
            transaction.set_rollback(True)
    assert drawn[0] == drawn[1]

    a = texts.TextDrawer(random.Random(7), content.TEMPLATES)
    b = texts.TextDrawer(random.Random(7), content.TEMPLATES)
    assert [a.subject().title for _ in range(50)] == [b.subject().title for _ in range(50)]
