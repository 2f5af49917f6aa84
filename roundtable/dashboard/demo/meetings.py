"""The base set's meetings (``content/meetings.toml``): two past quarterly roundtables with
published minutes, the next one open for intake, service visits, an on-spot meeting, an
industry exchange and a planned visit. Each is dated from today to a working day."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from roundtable.dashboard.demo import content as c
from roundtable.dashboard.demo.content import at
from roundtable.lib.periods import quarter_of
from roundtable.meetings import services as meeting_services
from roundtable.meetings.models import IntakeConsultation, IntakeItem, Meeting
from roundtable.workdays import services as workdays

K, S = Meeting.Kind, Meeting.Status


def build_meetings(loader) -> None:
    MeetingBuilder(loader).run()


class MeetingBuilder:
    """Each meeting as the secretariat makes it: planned with its participants
    (``meeting_plan``), attendance recorded (``meeting_record_attendance``: held), minutes
    published; intake opened, concerns recorded, a department consulted, the agenda set;
    service visits recorded (``service_visit_record``). The services stamp the minutes'
    publication and the consultation with the time they run: ``run`` sets the story's times
    afterwards (``queryset.update``)."""

    def __init__(self, loader):
        self.loader = loader
        self.rng = loader.rng
        self.today = loader.today
        self.staff = loader.users["staff"]
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

    def plan(self, kind, spec, day, *, hour=14, hours=2, **kw) -> Meeting:
        loader = self.loader
        return meeting_services.meeting_plan(
            actor=self.staff,
            roundtable=loader.roundtable,
            kind=kind,
            topic=spec["topic"],
            starts_at=at(day, hour, 30),
            ends_at=at(day, hour + hours, 30),
            venue=spec.get("venue", ""),
            enterprises=self.enterprises(spec.get("enterprises", [])),
            departments=[loader.departments[code] for code in spec.get("departments", [])],
            users=[loader.users[name] for name in spec.get("people", [])],
            associations=[loader.associations[i] for i in spec.get("associations", [])],
            **kw,
        )

    def hold(self, meeting: Meeting, spec) -> Meeting:
        """Held: everyone came but about one enterprise in eight; minutes published
        ``published_after`` working days later, when the content gives them."""
        present = [
            p
            for p in meeting.participants.all()
            if p.enterprise_id is None or self.rng.random() < 0.88
        ]
        meeting = meeting_services.meeting_record_attendance(
            actor=self.staff, meeting=meeting, present=present
        )
        if "published_after" in spec:
            meeting = meeting_services.meeting_publish_minutes(
                actor=self.staff, meeting=meeting, minutes=spec["minutes"]
            )
            after, hour = spec["published_after"]
            day = workdays.add_working_days(timezone.localtime(meeting.starts_at).date(), after)
            Meeting.objects.filter(pk=meeting.pk).update(minutes_published_at=at(day, hour))
        return meeting

    def run(self) -> None:
        loader = self.loader
        meetings = c.MEETINGS
        past = [self.roundtable(spec) for spec in meetings["roundtables"]]
        self.upcoming(meetings["upcoming"])
        loader.visits = [self.visit(spec) for spec in meetings["visits"]["held"]]
        loader.on_spot = self.hold(
            self.plan(
                K.ON_SPOT, meetings["on_spot"], self.held_on(meetings["on_spot"]["days_ago"])
            ),
            meetings["on_spot"],
        )
        exchange = meetings["exchange"]
        exchange = self.hold(
            self.plan(K.INDUSTRY_EXCHANGE, exchange, self.held_on(exchange["days_ago"])), exchange
        )
        planned = meetings["visits"]["planned"]
        day = workdays.add_working_days(self.today, 4)
        planned = {**planned, "venue": meetings["visits"]["venue"]}
        self.plan(K.ONE_ON_ONE, planned, day, hour=10, hours=1)
        loader.past_meetings = [*past, loader.on_spot, exchange]
        loader.counts["meetings"] = Meeting.objects.filter(roundtable=loader.roundtable).count()

    def roundtable(self, spec) -> Meeting:
        meeting = self.plan(
            K.QUARTERLY_ROUNDTABLE,
            spec,
            self.held_on(spec["days_ago"]),
            hours=spec["hours"],
            business_fields=spec["business_fields"],
            countries=spec["countries"],
            form=spec["form"],
        )
        return self.hold(meeting, spec)

    def upcoming(self, spec) -> Meeting:
        """Next quarter's roundtable, on the first working day from its 15th day; intake
        open, concerns recorded, one sent to a department, the agenda begun."""
        today = self.today
        q_start = quarter_of(today).next().start
        day = workdays.next_working_day(q_start + timedelta(days=14))
        meeting = self.plan(
            K.QUARTERLY_ROUNDTABLE,
            spec,
            day,
            business_fields=spec["business_fields"],
            countries=spec["countries"],
            form=spec["form"],
        )
        meeting = meeting_services.meeting_open_intake(
            actor=self.staff,
            meeting=meeting,
            closes_on=max(today, workdays.add_working_days(day, -7)),
        )
        recorder = self.loader.users[spec["recorded_by"]]
        items = [(self.intake_item(meeting, s, recorder), s) for s in spec["intake"]]
        meeting_services.agenda_set(
            actor=self.staff,
            meeting=meeting,
            items=[item for item, s in items if s["status"] == IntakeItem.Status.ON_AGENDA],
        )
        return meeting

    def intake_item(self, meeting: Meeting, spec, recorder) -> IntakeItem:
        loader = self.loader
        country, index = spec["enterprise"]
        item = meeting_services.intake_item_record(
            actor=recorder,
            meeting=meeting,
            enterprise=self.by_country[country][index],
            text=spec["text"],
            category=loader.categories[spec["category"]],
            departments=[loader.departments[code] for code in spec["departments"]],
        )
        if "consult" in spec:
            code, question = spec["consult"]
            consultation = meeting_services.intake_consult(
                actor=self.staff, item=item, department=loader.departments[code], question=question
            )
            IntakeConsultation.objects.filter(pk=consultation.pk).update(
                sent_at=loader.stamp(self.today - timedelta(days=2))
            )
        if spec["status"] in meeting_services.MANUAL_ITEM_STATUSES:
            meeting_services.intake_item_set_status(
                actor=self.staff, item=item, status=spec["status"]
            )
        return item

    def visit(self, spec) -> Meeting:
        """A service visit, recorded after it took place by the staff member who went."""
        visits = c.MEETINGS["visits"]
        person = self.rng.choice(self.loader.staff)
        return meeting_services.service_visit_record(
            actor=person,
            roundtable=self.loader.roundtable,
            enterprises=self.enterprises(spec["enterprises"]),
            # Recorded after it took place: this morning's visit (after nine days off) is
            # one that took place an hour ago.
            starts_at=min(
                at(self.held_on(spec["days_ago"]), 10, 30), self.loader.now - timedelta(hours=1)
            ),
            topic=spec["topic"],
            notes=visits["notes"],
            venue=visits["venue"],
            people=[person],
            departments=[self.loader.departments["com"]],
        )
