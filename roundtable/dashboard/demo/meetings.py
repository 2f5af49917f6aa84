"""The base set's meetings (``content/meetings.toml``): two past quarterly roundtables with
published minutes, the next one open for intake, service visits, an on-spot meeting, an
industry exchange and a planned visit. Each is dated from today to a working day."""

from __future__ import annotations

from datetime import date, timedelta

from roundtable.dashboard.demo import content as c
from roundtable.dashboard.demo.content import at
from roundtable.meetings.models import (
    IntakeConsultation,
    IntakeItem,
    Meeting,
    MeetingParticipant,
)
from roundtable.workdays import services as workdays

K, S = Meeting.Kind, Meeting.Status


def build_meetings(loader) -> None:
    MeetingBuilder(loader).run()


class MeetingBuilder:
    def __init__(self, loader):
        self.loader = loader
        self.rng = loader.rng
        self.today = loader.today
        self.by_country: dict[str, list] = {}
        for e in loader.enterprises:
            self.by_country.setdefault(e.country.code, []).append(e)

    def held_on(self, days_ago: int) -> date:
        return workdays.next_working_day(self.today - timedelta(days=days_ago))

    def enterprises(self, slices) -> list:
        chosen = []
        for country, first, *last in slices:
            chosen += self.by_country[country][first : last[0] if last else None]
        return chosen

    def meeting(self, kind, topic, day, *, status, hour=14, hours=2, **kw) -> Meeting:
        return Meeting.objects.create(
            roundtable=self.loader.roundtable,
            kind=kind,
            topic=topic,
            starts_at=at(day, hour, 30),
            ends_at=at(day, hour + hours, 30),
            status=status,
            created_by=self.loader.users["staff"],
            **kw,
        )

    def participants(self, m, spec, *, attended=True) -> None:
        loader = self.loader
        enterprises = self.enterprises(spec.get("enterprises", []))
        rows = [
            MeetingParticipant(
                meeting=m, enterprise=e, attended=attended and (self.rng.random() < 0.88)
            )
            for e in enterprises
        ]
        others = [("department", loader.departments[code]) for code in spec.get("departments", [])]
        others += [("user", loader.users[name]) for name in spec.get("people", [])]
        others += [("association", loader.associations[i]) for i in spec.get("associations", [])]
        rows += [
            MeetingParticipant(meeting=m, attended=attended or None, **{kind: holder})
            for kind, holder in others
        ]
        if not attended:
            for row in rows:
                row.attended = None
        MeetingParticipant.objects.bulk_create(rows)

    def run(self) -> None:
        loader = self.loader
        past = [self.roundtable(spec) for spec in c.MEETINGS["roundtables"]]
        self.upcoming(c.MEETINGS["upcoming"])
        loader.visits = [self.visit(spec) for spec in c.MEETINGS["visits"]["held"]]
        loader.on_spot = self.on_spot(c.MEETINGS["on_spot"])
        exchange = self.exchange(c.MEETINGS["exchange"])
        self.planned_visit(c.MEETINGS["visits"]["planned"])
        loader.past_meetings = [*past, loader.on_spot, exchange]
        loader.counts["meetings"] = Meeting.objects.filter(roundtable=loader.roundtable).count()

    def roundtable(self, spec) -> Meeting:
        day = self.held_on(spec["days_ago"])
        after, hour = spec["published_after"]
        m = self.meeting(
            K.QUARTERLY_ROUNDTABLE,
            spec["topic"],
            day,
            status=S.MINUTES_PUBLISHED,
            business_fields=spec["business_fields"],
            countries=spec["countries"],
            venue=spec["venue"],
            form=spec["form"],
            hours=spec["hours"],
            minutes=spec["minutes"],
            minutes_published_at=at(workdays.add_working_days(day, after), hour),
        )
        self.participants(m, spec)
        return m

    def upcoming(self, spec) -> Meeting:
        """Next quarter's roundtable, on the first working day from its 15th day."""
        today = self.today
        q_month = (today.month - 1) // 3 * 3 + 4
        q_start = date(today.year + (q_month > 12), (q_month - 1) % 12 + 1, 1)
        day = workdays.next_working_day(q_start + timedelta(days=14))
        m = self.meeting(
            K.QUARTERLY_ROUNDTABLE,
            spec["topic"],
            day,
            status=S.INTAKE_OPEN,
            business_fields=spec["business_fields"],
            countries=spec["countries"],
            venue=spec["venue"],
            form=spec["form"],
            intake_closes_on=max(today, workdays.add_working_days(day, -7)),
        )
        self.participants(m, spec, attended=False)
        for item_spec in spec["intake"]:
            self.intake_item(m, item_spec, recorded_by=self.loader.users[spec["recorded_by"]])
        return m

    def intake_item(self, meeting: Meeting, spec, *, recorded_by) -> IntakeItem:
        loader = self.loader
        country, index = spec["enterprise"]
        item = IntakeItem.objects.create(
            meeting=meeting,
            enterprise=self.by_country[country][index],
            text=spec["text"],
            category=loader.categories[spec["category"]],
            status=spec["status"],
            agenda_order=spec.get("agenda_order"),
            recorded_by=recorded_by,
        )
        item.departments.set([loader.departments[code] for code in spec["departments"]])
        if "consult" in spec:
            code, question = spec["consult"]
            IntakeConsultation.objects.create(
                item=item,
                department=loader.departments[code],
                question=question,
                sent_at=loader.stamp(self.today - timedelta(days=2)),
            )
        return item

    def visit(self, spec) -> Meeting:
        visits = c.MEETINGS["visits"]
        enterprises = self.enterprises(spec["enterprises"])
        m = self.meeting(
            K.ONE_ON_ONE if len(enterprises) == 1 else K.ONE_ON_SEVERAL,
            spec["topic"],
            self.held_on(spec["days_ago"]),
            status=S.HELD,
            hour=10,
            hours=1,
            venue=visits["venue"],
            minutes=visits["notes"],
        )
        person = self.rng.choice(self.loader.staff)
        self.participants(m, {**spec, "departments": ["com"], "people": [person.username]})
        return m

    def on_spot(self, spec) -> Meeting:
        day = self.held_on(spec["days_ago"])
        after, hour = spec["published_after"]
        m = self.meeting(
            K.ON_SPOT,
            spec["topic"],
            day,
            status=S.MINUTES_PUBLISHED,
            venue=spec["venue"],
            minutes=spec["minutes"],
            minutes_published_at=at(workdays.add_working_days(day, after), hour),
        )
        self.participants(m, spec)
        return m

    def exchange(self, spec) -> Meeting:
        m = self.meeting(
            K.INDUSTRY_EXCHANGE,
            spec["topic"],
            self.held_on(spec["days_ago"]),
            status=S.HELD,
            venue=spec["venue"],
        )
        self.participants(m, spec)
        return m

    def planned_visit(self, spec) -> Meeting:
        m = self.meeting(
            K.ONE_ON_ONE,
            spec["topic"],
            workdays.add_working_days(self.today, 4),
            status=S.PLANNED,
            hour=10,
            hours=1,
            venue=c.MEETINGS["visits"]["venue"],
        )
        self.participants(m, spec, attended=False)
        return m
