"""A small ledger whose KPIs were computed by hand (see the comments and tests/dashboard/
test_kpis.py), for the third quarter of 2026 seen on Thursday 15 October 2026.

The official calendar of 2026 matters: Dragon Boat Festival Fri 19 June is off; Sunday
20 September is a make-up working day; Mid-autumn Festival Fri 25 September is off; National
Day 1–7 October is off.

Lead department A: I1 I2 I5 I6 I7 I10. Lead department B: I3 I4 I9 I11. No lead: I8 I12.
"""

import datetime as dt
from dataclasses import dataclass

from issues.models import ActionUpdate, Assignment, ExtensionRequest, Issue
from tests import factories

TZ = dt.timezone(dt.timedelta(hours=8))  # Asia/Shanghai has no daylight saving
TODAY = dt.date(2026, 10, 15)
NOW = "2026-10-15 10:00 +0800"


def at(text: str) -> dt.datetime:
    """'2026-07-06 09:00' in Asia/Shanghai."""
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=TZ)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@dataclass
class World:
    dept_a: object
    dept_b: object
    issues: dict
    category: object


def _issue(name, *, category, enterprise, status, raised, deadline=None, **fields):
    return factories.IssueFactory(
        title=f"{name} fixture issue",
        category=category,
        enterprise=enterprise,
        status=status,
        raised_on=d(raised),
        deadline=d(deadline) if deadline else None,
        original_deadline=d(deadline) if deadline else None,
        **fields,
    )


def _lead(issue, dept, assigned, responded=None, status=Assignment.Status.ACCEPTED):
    return factories.AssignmentFactory(
        issue=issue,
        department=dept,
        role=Assignment.Role.LEAD,
        assigned_at=at(assigned),
        responded_at=at(responded) if responded else None,
        status=status,
    )


def _update(issue, kind, when, body=""):
    return ActionUpdate.objects.create(issue=issue, kind=kind, created_at=at(when), body=body)


def build(dept_a, dept_b, staff) -> World:
    category = factories.CategoryFactory(code="fixture", name_en="Fixture", name_zh="测试类别")
    e1 = factories.EnterpriseFactory(name_en="Fixture One", country="DE", industry="Chemicals")
    e2 = factories.EnterpriseFactory(name_en="Fixture Two", country="JP", industry="Retail")
    S = Issue.Status
    common = {"category": category}
    issues = {}

    # I1: accepted the next day (in time), concluded Fri 17 July, before its deadline (on
    # time), closed 20 July, satisfied. 9 working days from Mon 6 July to Fri 17 July.
    i1 = _issue("I1", enterprise=e1, status=S.CLOSED, raised="2026-07-06", deadline="2026-07-20",
                concluded_on=d("2026-07-17"), closed_at=at("2026-07-20 10:00"),
                satisfaction="satisfied", **common)  # fmt: skip
    _lead(i1, dept_a, "2026-07-06 09:00", "2026-07-07 15:00", Assignment.Status.DONE)
    issues["I1"] = i1

    # I2, the extended deadline: due 3 August, extended to 31 August, concluded 20 August:
    # late by the original deadline, on time by the one in force. Not yet verified. Accepted
    # Thu 16 July, a day after its window (Mon 13 → Wed 15). 28 working days.
    i2 = _issue("I2", enterprise=e2, status=S.CONCLUSION_REPORTED, raised="2026-07-13",
                deadline="2026-08-31", concluded_on=d("2026-08-20"), **common)  # fmt: skip
    Issue.objects.filter(pk=i2.pk).update(original_deadline=d("2026-08-03"))
    ExtensionRequest.objects.create(
        issue=i2,
        requested_by=staff,
        current_deadline=d("2026-08-03"),
        requested_deadline=d("2026-08-31"),
        reason="Survey",
        status=ExtensionRequest.Status.GRANTED,
    )
    _lead(i2, dept_a, "2026-07-13 10:00", "2026-07-16 09:00", Assignment.Status.DONE)
    issues["I2"] = i2

    # I3, concluded on a holiday: raised and assigned Fri 18 September; the window ends Mon
    # 21 September because Sunday 20 September is a make-up working day, so accepting Tue 22
    # is late. Concluded Fri 25 September (Mid-autumn, a day off), one day after its deadline:
    # late. 5 working days (20, 21, 22, 23, 24 September; the 25th is off). Closed 28
    # September, basically satisfied.
    i3 = _issue("I3", enterprise=e1, status=S.CLOSED, raised="2026-09-18", deadline="2026-09-24",
                concluded_on=d("2026-09-25"), closed_at=at("2026-09-28 11:00"),
                satisfaction="basically", satisfaction_by="enterprise", **common)  # fmt: skip
    _lead(i3, dept_b, "2026-09-18 17:00", "2026-09-22 09:00", Assignment.Status.DONE)
    issues["I3"] = i3

    # I4, reopened: concluded 5 August and closed, reopened by staff 25 August (rating
    # cleared, conclusion cleared); in progress again and overdue (deadline 10 August).
    i4 = _issue("I4", enterprise=e2, status=S.IN_PROGRESS, raised="2026-07-20",
                deadline="2026-08-10", reopened_count=1, **common)  # fmt: skip
    _lead(i4, dept_b, "2026-07-20 09:00", "2026-07-21 09:00")
    _update(i4, ActionUpdate.Kind.CLOSED, "2026-08-06 10:00")
    _update(i4, ActionUpdate.Kind.REOPENED, "2026-08-25 10:00", "Not fixed")
    issues["I4"] = i4

    # I5, found dissatisfied on 10 September: verification reopened it with the rating kept.
    # I3's and I5's ratings were given by the enterprise on the portal; the others by staff.
    i5 = _issue("I5", enterprise=e1, status=S.IN_PROGRESS, raised="2026-08-03",
                deadline="2026-10-30", satisfaction="dissatisfied", reopened_count=1,
                satisfaction_by="enterprise", **common)  # fmt: skip
    _lead(i5, dept_a, "2026-08-03 10:00", "2026-08-04 10:00")
    _update(i5, ActionUpdate.Kind.REOPENED, "2026-09-10 16:00", "The enterprise is dissatisfied.")
    issues["I5"] = i5

    # I6, returned on 9 October: answered, but not accepted.
    i6 = _issue("I6", enterprise=e2, status=S.RETURNED, raised="2026-09-29",
                deadline="2026-10-20", **common)  # fmt: skip
    _lead(i6, dept_a, "2026-09-29 11:00", "2026-10-09 09:00", Assignment.Status.RETURNED)
    issues["I6"] = i6

    # I7, never answered: assigned Wed 30 September, window to Fri 9 October (1–7 October
    # are off), closed by 15 October, so it counts as due and not in time. Overdue (12 Oct).
    i7 = _issue("I7", enterprise=e1, status=S.ASSIGNED, raised="2026-09-30",
                deadline="2026-10-12", **common)  # fmt: skip
    _lead(i7, dept_a, "2026-09-30 15:00", None, Assignment.Status.PENDING)
    issues["I7"] = i7

    # I8: logged, not assigned yet: only the district counts it.
    issues["I8"] = _issue("I8", enterprise=e2, status=S.LOGGED, raised="2026-08-15", **common)

    # I9: raised in the second quarter, concluded 8 July on time, closed 9 July, satisfied.
    # 16 working days from Mon 15 June (Fri 19 June is off).
    i9 = _issue("I9", enterprise=e2, status=S.CLOSED, raised="2026-06-15", deadline="2026-07-10",
                concluded_on=d("2026-07-08"), closed_at=at("2026-07-09 10:00"),
                satisfaction="satisfied", **common)  # fmt: skip
    _lead(i9, dept_b, "2026-06-15 10:00", "2026-06-16 10:00", Assignment.Status.DONE)
    issues["I9"] = i9

    # I10: overdue, escalated, and a chair's instruction of 10 September not yet followed by
    # progress (the progress of 5 September came before it).
    i10 = _issue("I10", enterprise=e1, status=S.IN_PROGRESS, raised="2026-07-01",
                 deadline="2026-09-01", escalated_on=d("2026-09-08"), **common)  # fmt: skip
    _lead(i10, dept_a, "2026-07-01 09:00", "2026-07-02 09:00")
    _update(i10, ActionUpdate.Kind.PROGRESS, "2026-09-05 10:00", "Working on it")
    _update(i10, ActionUpdate.Kind.INSTRUCTION, "2026-09-10 10:00", "Speed this up")
    issues["I10"] = i10

    # I11: an instruction answered by progress two days later. Assigned Thu 2 July, accepted
    # Mon 6 July: the last day of its window (Fri 3, Mon 6), so in time.
    i11 = _issue("I11", enterprise=e2, status=S.IN_PROGRESS, raised="2026-07-02",
                 deadline="2026-12-01", **common)  # fmt: skip
    _lead(i11, dept_b, "2026-07-02 16:00", "2026-07-06 17:00")
    _update(i11, ActionUpdate.Kind.INSTRUCTION, "2026-08-01 10:00", "Report back")
    _update(i11, ActionUpdate.Kind.PROGRESS, "2026-08-03 10:00", "Reported")
    issues["I11"] = i11

    # I12: closed at 06:00 on 1 October in Shanghai, which is still 30 September in UTC: a
    # fourth-quarter rating. Raised on the Labour Day holiday Mon 4 May, concluded Tue 30 June
    # on time: 40 working days (5 May off, Saturday 9 May worked, 19 June off).
    issues["I12"] = _issue("I12", enterprise=e1, status=S.CLOSED, raised="2026-05-04",
                           deadline="2026-06-30", concluded_on=d("2026-06-30"),
                           closed_at=at("2026-10-01 06:00"), satisfaction="satisfied",
                           **common)  # fmt: skip
    return World(dept_a=dept_a, dept_b=dept_b, issues=issues, category=category)
