"""Every KPI of roundtable/dashboard/kpis.py against the hand-computed ledger of world.py."""

from collections import Counter
from datetime import date

import pytest
import time_machine

from roundtable.dashboard import kpis
from tests.dashboard import world

pytestmark = pytest.mark.django_db

Q3 = kpis.quarter(2026, 3)


@pytest.fixture
def w(dept_a, dept_b, staff):
    with time_machine.travel(world.NOW, tick=False):
        yield world.build(dept_a, dept_b, staff)


def figures(period, **kwargs):
    return kpis.compute(period, today=world.TODAY, **kwargs)


def test_district_figures_of_the_third_quarter(w):
    f = figures(Q3)[None]
    assert (f.raised, f.concluded, f.open, f.overdue, f.reopened) == (10, 4, 8, 3, 2)
    # I1, I2 (extended deadline) and I9 on time; I3, concluded on a holiday after its
    # deadline, late.
    assert (f.on_time, f.late, f.on_time_rate) == (3, 1, 0.75)
    # Raised in the quarter and closed now: I1 and I3.
    assert (f.resolved, f.resolution_rate) == (2, 0.2)
    # Rated in the quarter: I1, I3, I9 closed, I5 found dissatisfied; I12's rating fell on
    # 1 October in Shanghai (30 September in UTC) and belongs to the fourth quarter.
    assert (f.satisfied, f.rated, f.satisfaction_rate) == (3, 4, 0.75)
    # Of those, I3 (closed) and I5 (found dissatisfied) were rated by the enterprise on the
    # portal; I1 and I9 were recorded by staff on its behalf.
    assert (f.rated_by_enterprise, f.rated_by_staff) == (2, 2)
    # Lead assignments made in the quarter: nine, all windows closed by 15 October; in time:
    # I1, I4, I5, I10, and I11 on the window's last day.
    assert (f.responded, f.response_due) == (5, 9)
    assert f.response_rate == pytest.approx(5 / 9)
    # Working days to conclusion: I3 5, I1 9, I9 16, I2 28.
    assert f.spans == Counter({5: 1, 9: 1, 16: 1, 28: 1})
    assert f.median_days == 12.5


def test_department_figures_of_the_third_quarter(w):
    by_department = figures(Q3, by_department=True)
    a, b = by_department[w.dept_a.pk], by_department[w.dept_b.pk]
    assert (a.raised, a.concluded, a.on_time, a.resolved, a.open, a.overdue) == (6, 2, 2, 1, 5, 2)
    assert (a.rated, a.satisfied, a.response_due, a.responded, a.reopened) == (2, 1, 6, 3, 1)
    assert a.median_days == 18.5  # 9 and 28
    assert (b.raised, b.concluded, b.on_time, b.resolved, b.open, b.overdue) == (3, 2, 1, 1, 2, 1)
    assert (b.rated, b.satisfied, b.response_due, b.responded, b.reopened) == (2, 2, 3, 2, 1)
    assert b.median_days == 10.5  # 5 and 16
    # I8 has no lead department: the district counts it, no department does.
    assert (by_department[None].raised, by_department[None].open) == (1, 1)
    # The departments (and the unassigned) add up to the district exactly.
    district = kpis.district_of(by_department)
    assert district == figures(Q3)[None]


def test_one_department_alone_matches_its_league_row(w):
    alone = figures(Q3, department_id=w.dept_a.pk)[w.dept_a.pk]
    assert alone == figures(Q3, by_department=True)[w.dept_a.pk]


def test_the_previous_quarter_in_the_same_queries(w, django_assert_max_num_queries):
    kpis.working_day_ordinals(date(2025, 1, 1), date(2026, 12, 31))  # the calendar, cached
    with django_assert_max_num_queries(4):
        q3, q2 = kpis.compute_periods([Q3, Q3.previous()], today=world.TODAY)
    assert q3[None] == figures(Q3)[None]
    q2 = q2[None]
    # Raised in the second quarter: I9 and I12; concluded: I12 on 30 June, on time, after
    # 40 working days. I9's lead accepted the next day.
    assert (q2.raised, q2.concluded, q2.on_time, q2.median_days) == (2, 1, 1, 40)
    assert (q2.response_due, q2.responded, q2.rated, q2.satisfaction_rate) == (1, 1, 0, None)


def test_a_rating_at_six_in_the_morning_of_1_october_counts_in_the_fourth_quarter(w):
    q4 = figures(kpis.quarter(2026, 4))[None]
    assert (q4.rated, q4.satisfied) == (1, 1)


def test_an_empty_period_has_zero_counts_and_no_rates(w):
    empty = figures(kpis.quarter(2025, 1))[None]
    assert (empty.raised, empty.concluded, empty.rated, empty.response_due) == (0, 0, 0, 0)
    assert empty.on_time_rate is None
    assert empty.resolution_rate is None
    assert empty.satisfaction_rate is None
    assert empty.response_rate is None
    assert empty.median_days is None
    # "Now" figures do not depend on the period.
    assert (empty.open, empty.overdue) == (8, 3)


def test_a_period_before_any_issue_with_an_empty_ledger(db):
    empty = figures(Q3)[None]
    assert empty == kpis.Figures()


def test_escalated_and_instruction_pending_lists(w):
    escalated = list(kpis.escalated())
    assert [i.pk for i in escalated] == [w.issues["I10"].pk]
    assert escalated[0].total == 1
    # I10's instruction came after its last progress; I11's was answered.
    pending = list(kpis.with_instruction_pending())
    assert [i.pk for i in pending] == [w.issues["I10"].pk]
    overdue = list(kpis.oldest_overdue(world.TODAY))
    assert [i.pk for i in overdue] == [w.issues[n].pk for n in ("I4", "I10", "I7")]
    assert overdue[0].total == 3


def test_department_lists_keep_to_the_lead_department(w):
    assert [i.pk for i in kpis.oldest_overdue(world.TODAY, department_id=w.dept_b.pk)] == [
        w.issues["I4"].pk
    ]
    assert list(kpis.escalated(department_id=w.dept_b.pk)) == []


def test_trend_of_eight_quarters(w):
    trend = kpis.trend(Q3)
    assert [t.period.key for t in trend] == [
        "2024Q4", "2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3",
    ]  # fmt: skip
    assert [(t.raised, t.concluded, t.on_time) for t in trend[-2:]] == [(2, 1, 1), (10, 4, 3)]
    # Quarters already computed are taken as given, not queried again.
    known = {Q3: figures(Q3)[None]}
    assert [(t.raised, t.concluded) for t in kpis.trend(Q3, known=known)] == [
        (t.raised, t.concluded) for t in trend
    ]


def test_breakdowns_of_the_issues_raised(w):
    found = kpis.breakdowns(Q3, world.TODAY)
    assert found["category"] == {
        w.category.pk: {"raised": 10, "open": 8, "overdue": 3, "closed": 2}
    }
    # Fixture One (DE, Chemicals) raised I1 I3 I5 I7 I10; Fixture Two the rest.
    assert found["country"]["DE"] == {"raised": 5, "open": 3, "overdue": 2, "closed": 2}
    assert found["industry"]["Retail"] == {"raised": 5, "open": 5, "overdue": 1, "closed": 0}
    assert found["source"] == {"meeting": {"raised": 10, "open": 8, "overdue": 3, "closed": 2}}
    assert found["meeting"] == {}


@pytest.mark.parametrize(
    ("assigned", "limit"),
    [
        (date(2026, 7, 6), date(2026, 7, 8)),  # Monday: Wednesday
        (date(2026, 7, 3), date(2026, 7, 7)),  # Friday: Tuesday
        (date(2026, 7, 4), date(2026, 7, 7)),  # Saturday: Tuesday as well
        (date(2026, 9, 18), date(2026, 9, 21)),  # Sunday 20 September is worked
        (date(2026, 9, 30), date(2026, 10, 9)),  # across National Day
    ],
)
def test_acceptance_window_by_working_days(db, assigned, limit):
    runs = kpis._response_runs(kpis.Period(assigned, assigned))
    assert runs == [(assigned, assigned, limit)]


def test_runs_merge_days_with_the_same_limit(db):
    runs = kpis._response_runs(kpis.Period(date(2026, 7, 3), date(2026, 7, 6)))
    # Fri, Sat and Sun are all due Tue 7 July; Mon 6 July is due Wed 8 July.
    assert runs == [
        (date(2026, 7, 3), date(2026, 7, 5), date(2026, 7, 7)),
        (date(2026, 7, 6), date(2026, 7, 6), date(2026, 7, 8)),
    ]


def test_spans_of_issues_raised_long_before_are_counted_too(w, dept_a):
    # Raised in 2024, before the table of working-day ordinals starts.
    from issues.models import Issue

    Issue.objects.filter(pk=w.issues["I1"].pk).update(raised_on=date(2024, 12, 31))
    f = figures(Q3)[None]
    assert sum(f.spans.values()) == 4
    from roundtable.workdays import services as workdays

    assert workdays.working_days_between(date(2024, 12, 31), date(2026, 7, 17)) in f.spans


@pytest.mark.parametrize(
    ("histogram", "median"),
    [({}, None), ({4: 1}, 4), ({1: 1, 3: 1}, 2), ({1: 2, 5: 1}, 1), ({2: 1, 3: 1, 9: 2}, 6)],
)
def test_weighted_median(histogram, median):
    assert kpis.weighted_median(Counter(histogram)) == median


@pytest.mark.parametrize(
    ("text", "key", "start", "end"),
    [
        ("2026Q3", "2026Q3", date(2026, 7, 1), date(2026, 9, 30)),
        ("2026q4", "2026Q4", date(2026, 10, 1), date(2026, 12, 31)),
        ("2025", "2025", date(2025, 1, 1), date(2025, 12, 31)),
        ("", "2026Q4", date(2026, 10, 1), date(2026, 12, 31)),
    ],
)
def test_periods(text, key, start, end):
    period = kpis.parse_period(text, today=world.TODAY)
    assert (period.key, period.start, period.end) == (key, start, end)


@pytest.mark.parametrize("text", ["2026Q5", "Q3", "1999Q1", "2026-07", "<script>"])
def test_malformed_periods_are_refused(text):
    with pytest.raises(ValueError):
        kpis.parse_period(text)


def test_previous_and_next_periods():
    assert kpis.quarter(2026, 1).previous().key == "2025Q4"
    assert kpis.quarter(2026, 4).next().key == "2027Q1"
    assert kpis.year(2026).previous().key == "2025"


def test_an_extension_granted_after_the_escalation_ends_it(w):
    from issues.models import Issue

    Issue.objects.filter(pk=w.issues["I10"].pk).update(deadline=date(2026, 9, 30))
    # Escalated on 8 September, now due 30 September: no longer an escalation.
    assert list(kpis.escalated()) == []


# (assigned, last moment in time, first moment late): one assignment per run of the third
# quarter that the acceptance deadline's search tree separates, from its first day to its
# last, weekends, the worked Sunday 20 September and the National Day holiday included.
ACCEPTANCE_EDGES = [
    ("2026-07-01 08:00", "2026-07-03 23:59", "2026-07-04 00:01"),  # Wed: Fri
    ("2026-07-04 12:00", "2026-07-07 23:59", "2026-07-08 00:00"),  # Sat: Tue
    ("2026-08-14 18:00", "2026-08-18 23:59", "2026-08-19 00:00"),  # Fri: Tue
    ("2026-09-18 09:00", "2026-09-21 23:59", "2026-09-22 00:00"),  # Fri: Mon (Sun 20 worked)
    ("2026-09-24 09:00", "2026-09-29 23:59", "2026-09-30 00:00"),  # Thu: Tue (Fri 25 off)
    ("2026-09-30 23:30", "2026-10-09 23:59", "2026-10-10 00:00"),  # Wed: Fri after National Day
]


def test_acceptance_deadline_of_every_kind_of_day_in_the_database(dept_a):
    from issues.models import Assignment, Issue
    from tests import factories

    for assigned, in_time, late in ACCEPTANCE_EDGES:
        for responded in (in_time, late):
            issue = factories.IssueFactory(raised_on=world.d(assigned[:10]))
            world._lead(issue, dept_a, assigned, responded, Assignment.Status.ACCEPTED)
    f = figures(Q3)[None]
    assert (f.response_due, f.responded) == (12, 6)
    # The ledger's response filter (a subquery per issue) applies the same rule.
    in_time = Issue.objects.filter(kpis.response_issues(Q3, "in_time", world.TODAY))
    assert sorted(i.assignments.get().responded_at.minute for i in in_time) == [59] * 6
    assert Issue.objects.filter(kpis.response_issues(Q3, "due", world.TODAY)).count() == 12
