"""The dashboard's cache: a change of an issue recomputes only the cached figures it can change
(its quarters and departments, and what is true now), the pages still equal the ledger, and no
figure is ever more than a minute older than the ledger."""

import datetime as dt
from unittest import mock

import pytest
import time_machine

from issues import services
from issues.models import Issue
from roundtable.dashboard import cache
from roundtable.lib import ledger_version
from tests import factories
from tests.dashboard import world
from tests.dashboard.test_views import figure_links, ledger_count, shown

pytestmark = pytest.mark.django_db

PERIODS = ["2026Q2", "2026Q3", "2026Q4"]


@pytest.fixture
def w(dept_a, dept_b, staff):
    with time_machine.travel(world.NOW, tick=False):
        yield world.build(dept_a, dept_b, staff)


@pytest.fixture
def computed(monkeypatch):
    """(part name, department id or None, first day) of every part computed, not read from
    the cache."""
    seen = []
    real = cache.get_many

    def record(name, parts):
        department = parts[3] if name == "period" else None
        if name in ("now-counts", "department-now"):
            department = parts[1]
        if name == "instructions":
            department = parts[0]
        seen.append((name, department, parts[0]))

    def spy(parts, **kwargs):
        # Parts computed together (a quarter and the one before) stay together: one spy
        # for each ``together``.
        spies = {}
        for part in parts:

            def compute(part=part, inner=part.compute):
                record(part.name, part.parts)
                return inner()

            def together(keys, name=part.name, inner=part.together):
                for key in keys:
                    record(name, key)
                return inner(keys)

            part.compute = compute
            if part.together is not None:
                part.together = spies.setdefault(part.together, together)
        return real(parts, **kwargs)

    monkeypatch.setattr(cache, "get_many", spy)
    return seen


def _assert_equals_the_ledger(client, response):
    links = figure_links(response.content.decode())
    assert links
    for href, count in links:
        assert ledger_count(client, href) == count, href


def _department_pages(client, w):
    for dept in (w.dept_a, w.dept_b):
        for period in PERIODS:
            response = client.get(f"/dashboard/department/?department={dept.pk}&period={period}")
            assert response.status_code == 200


def _progress(w, actors):
    services.issue_post_progress(actor=actors["liaison"], issue=w.issues["I5"], body="Met them")


def _conclusion(w, actors):
    services.issue_report_conclusion(
        actor=actors["liaison"], issue=w.issues["I5"], resolution="Permit issued"
    )


def _create(w, actors):
    services.issue_create(
        actor=actors["staff"],
        title="New in October",
        enterprise=factories.EnterpriseFactory(),
        category=w.category,
        source=Issue.Source.HOTLINE,
        raised_on=world.TODAY,
        lead_department=w.dept_a,
        deadline=world.d("2026-10-30"),
    )


# Each change is of an issue led by department A; I5 was raised in the third quarter (and
# found dissatisfied in it), the new issue in the fourth. A progress note changes no fact of
# the issue: only the list of instructions awaiting an answer can change.
@pytest.mark.parametrize(
    "change, quarters",
    [
        (_progress, set()),
        (_conclusion, {"2026Q3", "2026Q4"}),
        (_create, {"2026Q4"}),
    ],
)
def test_a_change_recomputes_only_the_figures_it_can_change(
    client, w, staff, liaison_a, computed, django_capture_on_commit_callbacks, change, quarters
):
    client.force_login(staff)
    with time_machine.travel(world.NOW, tick=False):
        _department_pages(client, w)
        computed.clear()
        _department_pages(client, w)
        assert computed == []  # all from the cache
        with django_capture_on_commit_callbacks(execute=True):
            change(w, {"staff": staff, "liaison": liaison_a})
        _department_pages(client, w)

    starts = {f"{q[:4]}-{(int(q[-1]) - 1) * 3 + 1:02}-01" for q in quarters}
    recomputed_periods = {
        (department, str(first)) for name, department, first in computed if name == "period"
    }
    # Department B: nothing of its own was recomputed, whatever the period.
    assert all(department != w.dept_b.pk for _name, department, _first in computed)
    # Department A and the district: the periods of the change's quarters only.
    assert {first for _department, first in recomputed_periods} == starts
    assert (w.dept_a.pk, "2026-04-01") not in recomputed_periods
    # What is true now, for department A and the district.
    present = {
        ("now-counts", w.dept_a.pk),
        ("department-now", w.dept_a.pk),
        ("now-counts", None),
    }
    answers = {("instructions", w.dept_a.pk)}
    assert {(n, d) for n, d, _f in computed if n != "period"} == (
        answers | present if quarters else answers
    )

    # And the pages still equal the ledger, figure by figure.
    with time_machine.travel(world.NOW, tick=False):
        for dept in (w.dept_a, w.dept_b):
            response = client.get(f"/dashboard/department/?department={dept.pk}&period=2026Q4")
            _assert_equals_the_ledger(client, response)


def test_other_quarters_of_the_chairs_dashboard_stay_cached(
    client, w, chair, liaison_a, computed, django_capture_on_commit_callbacks
):
    client.force_login(chair)
    with time_machine.travel(world.NOW, tick=False):
        for period in PERIODS:
            client.get(f"/dashboard/?period={period}")
        computed.clear()
        with django_capture_on_commit_callbacks(execute=True):
            _conclusion(w, {"liaison": liaison_a})
        second_quarter = client.get("/dashboard/?period=2026Q2")
        fourth_quarter = client.get("/dashboard/?period=2026Q4")
        # The page's HTML (cached too) shows the new figures, each opening as many issues.
        _assert_equals_the_ledger(client, fourth_quarter)
    # The second quarter: its figures, the first quarter's and its trend from the cache.
    # The fourth: its own figures and the third's, not the six quarters before in its trend.
    assert sorted((n, str(f)) for n, _d, f in computed if n in ("period", "trend")) == [
        ("period", "2026-07-01"),
        ("period", "2026-10-01"),
    ]
    assert [n for n, _d, _f in computed].count("district-now") == 1
    district = shown(fourth_quarter, "summary")
    assert {cell["key"]: cell["display"] for cell in district}["open"] == str(
        Issue.objects.exclude(status=Issue.Status.CLOSED).count()
    )
    assert second_quarter.status_code == 200


def test_a_progress_note_recomputes_only_the_instructions_awaiting_an_answer(
    client, w, chair, liaison_a, computed, django_capture_on_commit_callbacks
):
    client.force_login(chair)
    with time_machine.travel(world.NOW, tick=False) as clock:
        services.issue_add_instruction(actor=chair, issue=w.issues["I5"], body="Solve it")
        client.get("/dashboard/?period=2026Q4")
        before = shown(client.get("/dashboard/?period=2026Q4"), "lists")
        computed.clear()
        clock.shift(dt.timedelta(seconds=10))  # the answer comes after the instruction
        with django_capture_on_commit_callbacks(execute=True):
            _progress(w, {"liaison": liaison_a})
        after = client.get("/dashboard/?period=2026Q4")
        _assert_equals_the_ledger(client, after)
    # The instructions, and the page's HTML that shows them.
    assert [name for name, _d, _f in computed] == ["instructions", "overview-html"]
    answered = before["instructions_all"]["value"] - 1
    assert shown(after, "lists")["instructions_all"]["value"] == answered


def test_a_change_that_bypasses_the_services_shows_within_a_minute(client, w, chair):
    """A bulk load, the admin or a process whose cache this one does not share: no figure
    lags behind the ledger by more than a minute."""
    client.force_login(chair)
    start = dt.datetime.fromisoformat("2026-10-15T10:00:00+08:00")
    with time_machine.travel(start, tick=False) as clock:
        first = client.get("/dashboard/?period=2026Q4")
        opened = {c["key"]: c["display"] for c in shown(first, "summary")}["open"]
        Issue.objects.filter(pk=w.issues["I5"].pk).update(
            status=Issue.Status.CLOSED, closed_at=start
        )
        clock.shift(dt.timedelta(seconds=50))
        cached = client.get("/dashboard/?period=2026Q4")
        assert {c["key"]: c["display"] for c in shown(cached, "summary")}["open"] == opened
        clock.shift(dt.timedelta(seconds=11))
        fresh = client.get("/dashboard/?period=2026Q4")
        now_open = {c["key"]: c["display"] for c in shown(fresh, "summary")}["open"]
    assert int(now_open) == int(opened) - 1


def test_a_reassignment_touches_both_departments_and_the_old_assignments_quarter(
    w, staff, django_capture_on_commit_callbacks
):
    with (
        time_machine.travel(world.NOW, tick=False),
        mock.patch.object(ledger_version, "bump") as bump,
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.issue_reopen(actor=staff, issue=w.issues["I2"], reason="Not fixed")
        services.issue_assign(
            actor=staff,
            issue=w.issues["I2"],
            lead_department=w.dept_b,
            deadline=world.d("2026-11-30"),
        )
    cells = set().union(*(set(call.args[0]) for call in bump.call_args_list))
    prefix = ledger_version.PREFIX
    a, b = w.dept_a.pk, w.dept_b.pk
    # Raised and assigned in the third quarter, concluded in it; reopened and reassigned now.
    assert {f"{prefix}2026Q3:{a}", f"{prefix}2026Q3:{b}", f"{prefix}2026Q4:{b}"} <= cells
    assert {f"{prefix}now:{a}", f"{prefix}now:{b}", f"{prefix}now:all"} <= cells
    assert not any(cell.startswith(f"{prefix}2026Q2") for cell in cells)


def test_figures_in_parts_add_up_to_the_figures_computed_at_once(w):
    from roundtable.dashboard import kpis

    with time_machine.travel(world.NOW, tick=False):
        period = kpis.quarter(2026, 3)
        for scope in ({"by_department": True}, {"department_id": w.dept_a.pk}, {}):
            whole = kpis.compute_periods([period], **scope)[0]
            period_only = kpis.compute_periods([period], now=False, **scope)[0]
            assert all(f.open == f.overdue == 0 for f in period_only.values())
            parts = kpis.with_now(period_only, kpis.now_counts(world.TODAY, **scope))
            assert parts == whole


def _open_shown(response) -> int:
    return int({c["key"]: c["display"] for c in shown(response, "summary")}["open"])


def test_under_steady_writes_a_figure_is_recomputed_at_most_every_fresh_window(
    client, w, chair, staff, settings, computed, django_capture_on_commit_callbacks
):
    """The production default (DASHBOARD_FRESH_SECONDS, 20 s): after a change, the figures it
    touches are served as computed for up to 20 s, then recomputed once; whatever the
    window, never more than a minute old, and then equal to the ledger."""
    settings.DASHBOARD_FRESH_SECONDS = 20
    client.force_login(chair)
    start = dt.datetime.fromisoformat("2026-10-15T10:00:00+08:00")
    with time_machine.travel(start, tick=False) as clock:
        opened = _open_shown(client.get("/dashboard/?period=2026Q4"))
        computed.clear()
        with django_capture_on_commit_callbacks(execute=True):
            _create(w, {"staff": staff})
        clock.shift(dt.timedelta(seconds=5))
        within = client.get("/dashboard/?period=2026Q4")
        assert computed == []  # nothing recomputed within the window
        assert _open_shown(within) == opened
        assert "follow within 20 seconds" in within.content.decode()
        clock.shift(dt.timedelta(seconds=16))  # 21 s after the figures were computed
        after = client.get("/dashboard/?period=2026Q4")
        assert {name for name, _d, _f in computed} >= {"district-now", "overview-html"}
        assert _open_shown(after) == opened + 1
        _assert_equals_the_ledger(client, after)
        # Another change: while another request holds the part's lock (it is recomputing),
        # the value kept is served, until it is a minute old.
        with django_capture_on_commit_callbacks(execute=True):
            _create(w, {"staff": staff})
        clock.shift(dt.timedelta(seconds=30))
        from django.core.cache import cache as django_cache

        for key in list(django_cache._cache):  # locmem: every part's lock taken elsewhere
            name = key.split(":", 2)[-1]
            if name.startswith("dashboard:"):
                django_cache.add(f"{name}:lock", 1, timeout=60)
        computed.clear()
        assert _open_shown(client.get("/dashboard/?period=2026Q4")) == opened + 1
        assert computed == []
        clock.shift(dt.timedelta(seconds=31))  # a minute: recomputed, lock or not
        latest = client.get("/dashboard/?period=2026Q4")
        assert _open_shown(latest) == opened + 2
        _assert_equals_the_ledger(client, latest)


def test_periods_counted_together_equal_each_counted_alone(w):
    """The dashboard counts a quarter and the one before in one pass when both are missing
    from the cache: each period's figures, department by department, are those it has when
    counted alone (no department gets an empty row from the other period)."""
    from roundtable.dashboard import kpis

    with time_machine.travel(world.NOW, tick=False):
        periods = [kpis.quarter(2026, 4), kpis.quarter(2026, 3), kpis.quarter(2026, 2)]
        for scope in ({"by_department": True}, {"department_id": w.dept_a.pk}, {}):
            for now in (False, True):
                together = kpis.compute_periods(periods, now=now, **scope)
                alone = [kpis.compute_periods([p], now=now, **scope)[0] for p in periods]
                assert together == alone, (scope, now)
