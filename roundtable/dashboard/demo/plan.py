"""What each of the base set's ~150 issues goes through, decided before any is written.

The base set's promises (tests/dashboard/test_load_demo.py checks them on several dates) hold
by the rules below, whatever today is: the random draws and the calendar around today only
decide which issue carries what. ``date_by_rule``: an issue almost a year old, and overdue
issues assigned early enough; ``cover_templates``: every category and lead department on an
assigned issue; ``plan_co_handlers``: every department co-handles one; ``cover_sources``: every
source at least twice, and issues from meetings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import timezone

from issues.models import Issue
from roundtable.dashboard.demo import content as c
from roundtable.enterprises.models import Enterprise
from roundtable.meetings.models import Meeting
from roundtable.workdays import services as workdays

Status = Issue.Status

# How many issues end in each status; open ones are overdue, due soon or due later.
PLAN = (
    [(Status.CLOSED, "")] * 60
    + [(Status.CONCLUSION_REPORTED, "")] * 15
    + [(Status.IN_PROGRESS, "overdue")] * 10
    + [(Status.IN_PROGRESS, "due_soon")] * 6
    + [(Status.IN_PROGRESS, "later")] * 29
    + [(Status.ASSIGNED, "overdue")]
    + [(Status.ASSIGNED, "due_soon")] * 2
    + [(Status.ASSIGNED, "later")] * 9
    + [(Status.RETURNED, "later")] * 6
    + [(Status.LOGGED, "")] * 12
)
# Raised this many days ago (at least, at most), by the status the issue ends in.
WINDOWS = {
    Status.CLOSED: (35, 360),
    Status.CONCLUSION_REPORTED: (15, 150),
    Status.IN_PROGRESS: (8, 150),
    Status.ASSIGNED: (1, 8),
    Status.RETURNED: (3, 12),
    Status.LOGGED: (0, 6),
}
SOURCES = ["visit", "hotline", "wechat", "email", "online", "other"]
# Land-use issues on purpose: the demo liaison (Planning and Natural Resources) has work.
FORCED_LAND = {Status.ASSIGNED: 3, Status.IN_PROGRESS: 3, Status.RETURNED: 1}
EARLY = (Status.LOGGED, Status.ASSIGNED, Status.RETURNED)


@dataclass
class Spec:
    """One issue of the base set, planned before it is written."""

    status: str
    template: c.Template
    enterprise: Enterprise
    raised_on: date
    source: str
    meeting: Meeting | None = None
    plan: str = "later"  # open issues: overdue, due_soon, later
    reopened: bool = False
    returned_first: bool = False
    extension: str = ""  # pending, granted, refused
    instruction: bool = False
    others: list = field(default_factory=list)
    study: bool = False
    co: list = field(default_factory=list)  # co-handling department codes
    pinned: bool = False  # its template was chosen on purpose: coverage leaves it alone


def held_on(meeting: Meeting) -> date:
    return timezone.localtime(meeting.starts_at).date()


def plan_issues(loader) -> list[Spec]:
    planner = Planner(loader)
    specs = planner.draw()
    planner.cover_sources(specs)
    date_by_rule(specs, loader.today)
    planner.mark_stories(specs)
    cover_templates(specs)
    plan_co_handlers(specs, loader.rng)
    specs.sort(key=lambda s: (s.raised_on, s.template.key))
    return specs


class Planner:
    def __init__(self, loader):
        self.loader = loader
        self.rng = loader.rng
        self.today = loader.today
        self.meetings = loader.past_meetings

    def draw(self) -> list[Spec]:
        templates = c.TEMPLATES[:]
        self.rng.shuffle(templates)
        land = [t for t in c.TEMPLATES if t.category == "land"]
        forced_land = dict(FORCED_LAND)
        specs = []
        for i, (status, when) in enumerate(PLAN):
            template, pinned = templates[i % len(templates)], False
            if forced_land.get(status):
                forced_land[status] -= 1
                template, pinned = land[forced_land[status] % len(land)], True
            spec = self.draw_one(status, when, template)
            spec.pinned = pinned
            specs.append(spec)
        return specs

    def draw_one(self, status: str, when: str, template: c.Template) -> Spec:
        rng, today = self.rng, self.today
        low, high = WINDOWS[status]
        if when == "overdue":
            low, high = (30, high) if status == Status.IN_PROGRESS else (9, 12)
        raised_on = today - timedelta(days=rng.randint(low, high))
        source, meeting = rng.choice(SOURCES), None
        if status in (Status.CLOSED, Status.CONCLUSION_REPORTED, Status.IN_PROGRESS):
            source, meeting = self.draw_meeting(source, low, high)
        if meeting is not None:
            raised_on = held_on(meeting)
            enterprise = rng.choice(
                [p.enterprise for p in meeting.participants.all() if p.enterprise]
                or self.loader.enterprises
            )
        else:
            enterprise = rng.choice(self.loader.enterprises)
        return Spec(status, template, enterprise, raised_on, source, meeting, when)

    def draw_meeting(self, source: str, low: int, high: int):
        """A quarter of the issues come from a meeting held in their window, some from a
        service visit."""
        rng, today = self.rng, self.today
        roll = rng.random()
        fitting = [m for m in self.meetings if low <= (today - held_on(m)).days <= high]
        visits = [v for v in self.loader.visits if low <= (today - held_on(v)).days <= high]
        if roll < 0.25 and fitting:
            return Issue.Source.MEETING, rng.choice(fitting)
        if roll < 0.4 and visits:
            return Issue.Source.SERVICE_VISIT, rng.choice(visits)
        return source, None

    def cover_sources(self, specs: list[Spec]) -> None:
        """Every source at least twice (taken from the commonest source, never from a
        meeting). A meeting's issue is raised after some past meeting and is already past
        assignment, so that the pass below finds it a meeting: the demo always has issues
        from meetings."""
        first_meeting = min(held_on(m) for m in self.meetings)
        counts = {src: sum(s.source == src for s in specs) for src in Issue.Source.values}
        for src in Issue.Source.values:
            while counts[src] < 2:
                donors = [
                    s
                    for s in specs
                    if s.meeting is None
                    and s.source in SOURCES
                    and counts[s.source] > 2
                    and (
                        src != Issue.Source.MEETING
                        or (s.status not in EARLY and s.raised_on >= first_meeting)
                    )
                ]
                spec = max(donors, key=lambda s: counts[s.source])  # the first of the commonest
                counts[spec.source] -= 1
                spec.source = src
                counts[src] += 1
        for s in specs:  # a "meeting" source without a meeting row is a meeting not recorded
            if s.source == Issue.Source.MEETING and s.meeting is None:
                s.meeting = self.rng.choice(
                    [m for m in self.meetings if held_on(m) <= s.raised_on] or [None]
                )
                if s.meeting is not None:
                    s.raised_on = held_on(s.meeting)

    def mark_stories(self, specs: list[Spec]) -> None:
        """Which issues were reopened, returned first, extended, instructed on, studied, or
        concern other enterprises too."""
        rng, today = self.rng, self.today
        by_status = {}
        for s in specs:
            by_status.setdefault((s.status, s.plan), []).append(s)
        closed = [s for s in by_status[(Status.CLOSED, "")] if (today - s.raised_on).days > 70]
        later = by_status[(Status.IN_PROGRESS, "later")]
        overdue = by_status[(Status.IN_PROGRESS, "overdue")]
        old_later = [s for s in later if (today - s.raised_on).days > 45]
        for s in closed[:4] + old_later[:2]:
            s.reopened = True
        for s in closed[4:7] + later[2:5]:
            s.returned_first = True
        for s in by_status[(Status.IN_PROGRESS, "due_soon")][:2]:
            s.extension = "pending"
        for s in [s for s in later if not s.reopened and (today - s.raised_on).days > 25][:2]:
            s.extension = "granted"
        overdue[0].extension = "refused"
        for s in overdue[1:5] + closed[8:11] + later[6:8]:
            s.instruction = True
        self.mark_study(by_status[(Status.CLOSED, "")][12:14] + later[10:12])
        for s in rng.sample(specs, 10):
            s.others = rng.sample([e for e in self.loader.enterprises if e != s.enterprise], 2)[
                : rng.randint(1, 2)
            ]

    def mark_study(self, chosen: list[Spec]) -> None:
        """A common issue: work permits, raised by several enterprises → a special study.
        Enterprises from Japan, Germany, the US and Singapore."""
        permit = next(t for t in c.TEMPLATES if t.key == c.STUDY["template"])
        raisers = [self.loader.enterprises[i] for i in (12, 0, 6, 21)]
        for s, enterprise in zip(chosen, raisers, strict=True):
            s.template, s.study, s.enterprise, s.pinned = permit, True, enterprise, True
            if s.meeting is not None and enterprise not in [
                p.enterprise for p in s.meeting.participants.all()
            ]:
                s.meeting, s.source = None, Issue.Source.SERVICE_VISIT


def date_by_rule(specs: list[Spec], today: date) -> None:
    """Dates the demo promises on any day: an issue raised almost a year ago, and the
    overdue issues assigned early enough that their deadline (at least 3 working days
    after assignment) has passed, however many days off came just before today.

    "Due soon" needs no rule here: an open issue due soon gets a deadline within the next
    3 working days, and its assignment is never after today (``IssueWriter``)."""
    oldest = min(
        (s for s in specs if s.status == Status.CLOSED and s.meeting is None),
        key=lambda s: s.raised_on,
    )
    oldest.raised_on = min(oldest.raised_on, today - timedelta(days=360))
    # Assigned no later than the next working day after raising: 4 working days before
    # today at the latest, so 3 working days on is still before today.
    latest = workdays.add_working_days(today, -5)
    for s in specs:
        if s.plan == "overdue" and s.raised_on > latest:
            assert s.meeting is None, "meetings are older than any overdue issue's window"
            s.raised_on = latest


def cover_templates(specs: list[Spec]) -> None:
    """Every template on at least one assigned issue, so every category and every
    department (each leads some template) shows up on the ledger. A missing template
    takes the place of one that assigned issues carry most often."""
    assigned = [s for s in specs if s.status != Status.LOGGED]
    uses = {t.key: 0 for t in c.TEMPLATES}
    for s in assigned:
        uses[s.template.key] += 1
    for template in c.TEMPLATES:
        if uses[template.key]:
            continue
        donor = max((s for s in assigned if not s.pinned), key=lambda s: uses[s.template.key])
        assert uses[donor.template.key] > 1, "more assigned issues than templates"
        uses[donor.template.key] -= 1
        donor.template = template
        uses[template.key] += 1


def plan_co_handlers(specs: list[Spec], rng) -> None:
    """Up to two co-handling departments per assigned issue, from its template's candidates;
    then every department co-handles at least one issue. A department that no issue drew
    joins the assigned issue with the fewest co-handlers among those it is a candidate for
    (every department is one for some template, and ``cover_templates`` puts every template
    on an assigned issue)."""
    assigned = [s for s in specs if s.status != Status.LOGGED]
    for s in assigned:
        candidates = list(s.template.co)
        s.co = rng.sample(candidates, rng.randint(0, min(2, len(candidates))))
    covered = {code for s in assigned for code in s.co}
    for dept in c.DEPARTMENTS:
        if dept.code in covered:
            continue
        fits = [s for s in assigned if dept.code in s.template.co] or [
            s for s in assigned if s.template.lead != dept.code
        ]
        spec = min(fits, key=lambda s: len(s.co))
        spec.co.append(dept.code)
        covered.add(dept.code)
