"""The base set's issues, each taken through its story by the issue services.

Every step is the one a user takes: ``issue_create`` by a commerce staff member,
``issue_assign``, ``assignment_accept`` or ``assignment_return`` by the department's liaison,
``issue_post_progress``, ``issue_request_extension`` and ``extension_decide``,
``issue_add_instruction`` by a chair, ``issue_report_conclusion``, ``issue_close`` (a
dissatisfied enterprise reopens the issue). So the demo obeys every rule the services check,
keeps history rows, versions and the reference counter, and leaves the timeline the services
write.

The services stamp each step with the time it runs; the story happened over the past year. So
``IssueWriter`` notes when each step took place and ``finish`` sets those times afterwards
with ``queryset.update``/``bulk_update``: the timeline entries' ``created_at``, the issue's
``created_at`` and ``closed_at``, assignments' ``assigned_at`` and ``responded_at``,
extension requests' ``created_at`` and ``decided_at``. Three more things are written
directly, as no service does them: the escalation of an issue overdue by 5 working days
(``escalated_on`` and its timeline entry, which the daily reminder run writes), putting issues
on the special study (a view does it), and the in-app notices the services sent along the way,
which are deleted (``BaseLoader.build_notifications`` leaves a few unread ones instead): the
demo's inboxes would otherwise hold hundreds of year-old notices, and a worker would mail them.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db.models import Model

from issues import services
from issues.models import ActionUpdate, Assignment, Issue
from roundtable.dashboard.demo import content as c
from roundtable.dashboard.demo.content import at
from roundtable.dashboard.demo.plan import Spec
from roundtable.lib.phrases import Phrase
from roundtable.notifications.models import Notification
from roundtable.workdays import services as workdays

Status = Issue.Status
Kind = ActionUpdate.Kind
TEXTS = c.TEXTS["other"]
EXTENSION_TEXTS = c.TEXTS["extension"]


def wd(day: date, n: int) -> date:
    return workdays.add_working_days(day, n)


class IssueWriter:
    def __init__(self, loader):
        self.loader = loader
        self.rng = loader.rng
        self.today = loader.today
        self.now = loader.now
        self.lead_codes = [t.lead for t in c.TEMPLATES]
        # When each timeline entry of an issue happened, in the order the services wrote them.
        self.entries: dict[int, list[datetime]] = defaultdict(list)
        # Other times to set afterwards: (model, pk, {field: value}).
        self.times: list[tuple[type[Model], int, dict]] = []
        self.studied: list[int] = []
        self.liaison_of = {
            loader.departments[code].pk: user for code, user in loader.liaisons.items()
        }

    # -- the clock of one issue's story --

    def tick(self, day: date, hour: int | None = None) -> datetime:
        """The time of an issue's next status change on ``day``: after everything before it
        on the issue's timeline (ties keep their order: entries are written in order)."""
        moment = max(
            self.loader.stamp(day, hour),
            self._cursor + timedelta(minutes=self.rng.randint(3, 40)),
        )
        self._cursor = min(moment, self.now)
        return self._cursor

    def floating(self, day: date) -> datetime:
        """The time of a progress note, instruction or extension on ``day``: after the last
        acceptance or reopening; the next status change comes after it."""
        moment = max(
            self.loader.stamp(day), self._floor + timedelta(minutes=self.rng.randint(3, 40))
        )
        moment = min(moment, self.now)
        self._cursor = max(self._cursor, moment)
        return moment

    def entry(self, issue: Issue, when: datetime) -> datetime:
        self.entries[issue.pk].append(when)
        return when

    def later(self, obj: Model, **values) -> None:
        self.times.append((type(obj), obj.pk, values))

    # -- one issue --

    def write(self, spec: Spec) -> None:
        rng, loader = self.rng, self.loader
        template = spec.template
        self.staff = rng.choice(loader.staff)
        self.monitor = loader.users["staff"] if rng.random() < 0.4 else rng.choice(loader.staff)
        self.priority = rng.choices(["normal", "high", "urgent"], [70, 22, 8])[0]
        self._cursor = self._floor = at(spec.raised_on, 8)
        logged_at = self.tick(spec.raised_on)
        issue = services.issue_create(
            actor=self.staff,
            title=template.title_zh,
            description=(
                f"{spec.enterprise.name_zh}反映：{template.title_zh}，希望相关部门协调解决。\n\n"
                f"{spec.enterprise.name_en}: {template.title_en}."
            ),
            enterprise=spec.enterprise,
            other_enterprises=spec.others,
            category=loader.categories[template.category],
            source=spec.source,
            meeting=spec.meeting,
            raised_on=spec.raised_on,
            priority=self.priority,
            follow_up_requirement=rng.choice(c.FOLLOW_UP) if spec.status != Status.LOGGED else "",
            monitor=self.monitor,
        )
        self.later(issue, created_at=self.entry(issue, logged_at))
        if spec.study:
            self.studied.append(issue.pk)
        if spec.status == Status.LOGGED:
            return
        issue, lead, cos, day = self.assign(issue, spec)
        if spec.status == Status.ASSIGNED:
            return
        if spec.status == Status.RETURNED:
            self.respond(lead, day=wd(day, 1), reason=rng.choice(c.RETURN_REASONS))
            return
        self.handle(issue, spec, lead, cos, day)

    def deadlines(self, spec: Spec, assign_day: date) -> tuple[date | workdays.Deadline, date]:
        """The deadline given on assignment, and the one the issue ends with (later than the
        first when an extension was granted)."""
        rng, today = self.rng, self.today
        if spec.status in (Status.IN_PROGRESS, Status.ASSIGNED, Status.RETURNED):
            deadline = {
                "overdue": wd(today, -rng.randint(1, 12)),
                "due_soon": wd(today, rng.randint(0, 3)),
            }.get(spec.plan) or wd(today, rng.randint(5, 40))
            deadline = max(deadline, wd(assign_day, 3))
            if spec.extension == "granted":
                return max(wd(deadline, -10), wd(assign_day, 1)), deadline
            return deadline, deadline
        limit = {"urgent": 5, "high": 10}.get(self.priority) or rng.choice([15, 20, 30])
        given = workdays.deadline_in_working_days(limit, today=assign_day)
        return given, given.day

    def assign(self, issue: Issue, spec: Spec):
        """Assign (after a wrong department returned it, for some): the lead and its
        co-handlers, pending. Returns the issue, the lead, the co-handlers and the day."""
        rng = self.rng
        lead_code = spec.template.lead
        day = min(
            workdays.next_working_day(spec.raised_on + timedelta(rng.randint(0, 1))), self.today
        )
        self.deadline, self.final_deadline = self.deadlines(spec, day)
        if spec.returned_first:
            wrong = rng.choice([code for code in self.lead_codes if code != lead_code])
            issue, first, _ = self.give(issue, wrong, [], day)
            self.respond(first, day=wd(day, 1), reason=rng.choice(c.RETURN_REASONS))
            day = wd(day, 2)
        issue, lead, cos = self.give(issue, lead_code, spec.co, day)
        return issue, lead, cos, day

    def give(self, issue: Issue, lead_code: str, co_codes, day: date):
        loader = self.loader
        assigned_at = self.tick(day)
        issue = services.issue_assign(
            actor=self.staff,
            issue=issue,
            lead_department=loader.departments[lead_code],
            co_departments=[loader.departments[code] for code in co_codes],
            deadline=self.deadline,
            responsible_person=loader.liaisons[lead_code],
        )
        self.entry(issue, assigned_at)
        current = {
            a.department.code: a for a in issue.assignments.current().select_related("department")
        }
        for assignment in current.values():
            if assignment.status == Assignment.Status.PENDING:
                self.later(assignment, assigned_at=assigned_at)
        return issue, current[lead_code], [current[code] for code in co_codes]

    def respond(self, assignment: Assignment, *, day: date, reason: str = "", floating=False):
        """The department's liaison accepts the assignment, or returns it with ``reason``."""
        when = self.floating(day) if floating else self.tick(day)
        liaison = self.liaison_of[assignment.department_id]
        if reason:
            assignment = services.assignment_return(
                actor=liaison, assignment=assignment, reason=reason
            )
        else:
            assignment = services.assignment_accept(actor=liaison, assignment=assignment)
        self.entries[assignment.issue_id].append(when)
        self.later(assignment, responded_at=when)
        return assignment

    def handle(self, issue: Issue, spec: Spec, lead: Assignment, cos, day: date) -> None:
        """Accepted, worked on, and for some concluded and closed."""
        rng, today = self.rng, self.today
        accept_day = min(wd(day, rng.randint(0, 2)), today)
        lead = self.respond(lead, day=accept_day)
        self._floor = self._cursor
        for a in cos:
            if spec.status == Status.IN_PROGRESS and not spec.reopened and rng.random() < 0.2:
                continue  # a co-handler that has not answered yet
            self.respond(a, day=min(wd(accept_day, rng.randint(0, 2)), today), floating=True)
        concluded = self.conclusion_day(spec, accept_day)
        horizon = concluded or today
        if spec.reopened:
            self.reopen(issue, lead, accept_day, horizon)
        else:
            self.progress(issue, lead, accept_day, horizon, rng.randint(1, 3))
        if spec.instruction:
            when = self.floating(accept_day + timedelta((horizon - accept_day).days // 2))
            services.issue_add_instruction(
                actor=rng.choice(self.loader.chairs), issue=issue, body=rng.choice(c.INSTRUCTIONS)
            )
            self.entry(issue, when)
        if spec.extension:
            self.extension(issue, lead, spec.extension, accept_day)
        if spec.status == Status.IN_PROGRESS:
            if spec.plan == "overdue":
                self.escalate(issue)
            return
        issue = services.issue_report_conclusion(
            actor=lead.responsible_person,
            issue=issue,
            resolution=rng.choice(c.RESOLUTIONS),
            concluded_on=concluded,
        )
        self.entry(issue, self.tick(concluded))
        if spec.status == Status.CLOSED:
            self.close(issue, concluded)

    def conclusion_day(self, spec: Spec, accept_day: date) -> date | None:
        rng, today = self.rng, self.today
        if spec.status == Status.CLOSED:
            latest = today - timedelta(days=3)
            on_time = rng.random() < 0.85
            deadline = self.final_deadline
            end = deadline if on_time else deadline + timedelta(rng.randint(1, 12))
            end = min(end, latest)
            start = min(accept_day + timedelta(1), end)
            concluded = start + timedelta(rng.randint(0, max(0, (end - start).days)))
            if spec.reopened:  # reopened ones take longer
                concluded = min(max(concluded, accept_day + timedelta(20)), latest)
            return concluded
        if spec.status == Status.CONCLUSION_REPORTED:
            concluded = max(accept_day + timedelta(1), today - timedelta(rng.randint(0, 8)))
            return min(concluded, today)
        return None

    def reopen(self, issue: Issue, lead: Assignment, accept_day: date, horizon: date) -> None:
        """Reported concluded, but the enterprise was not satisfied when called back."""
        rng = self.rng
        first_day = min(
            accept_day + timedelta(max(1, (horizon - accept_day).days // 3)), self.today
        )
        reopen_day = first_day + timedelta(2)
        self.progress(issue, lead, accept_day, first_day, rng.randint(1, 2))
        services.issue_report_conclusion(
            actor=lead.responsible_person,
            issue=issue,
            resolution=rng.choice(c.RESOLUTIONS),
            concluded_on=first_day,
        )
        self.entry(issue, self.tick(first_day))
        services.issue_close(
            actor=self.monitor,
            issue=issue,
            satisfaction=Issue.Satisfaction.DISSATISFIED,
            note=TEXTS["reopened"],
        )
        self._floor = self.entry(issue, self.tick(reopen_day))
        self.progress(issue, lead, reopen_day, horizon, 1)

    def progress(self, issue, lead, start: date, end: date, count: int) -> None:
        span = max(0, (end - start).days - 1)
        for _ in range(count):
            day = start + timedelta(1 + self.rng.randint(0, span)) if span else start
            when = self.floating(min(day, end))
            # Two notes in three are shared with the enterprise (its side of the portal); a
            # counter, not the random source, so that the rest of the demo stays as it was.
            self.progress_count = getattr(self, "progress_count", 0) + 1
            services.issue_post_progress(
                actor=lead.responsible_person,
                issue=issue,
                body=self.rng.choice(c.PROGRESS),
                visible_to_enterprise=self.progress_count % 3 != 0,
            )
            self.entry(issue, when)

    def extension(self, issue, lead, kind: str, accept_day: date) -> None:
        today, liaison = self.today, lead.responsible_person
        if kind == "pending":
            when = self.floating(max(accept_day, today - timedelta(1)))
            ext = services.issue_request_extension(
                actor=liaison,
                issue=issue,
                requested_deadline=wd(self.deadline, 10),
                reason=EXTENSION_TEXTS["pending_reason"],
            )
            self.later(ext, created_at=self.entry(issue, when))
            return
        granted = kind == "granted"
        old = self.deadline
        asked = min(max(accept_day, wd(old, -3)), today)
        created = self.floating(asked)
        ext = services.issue_request_extension(
            actor=liaison,
            issue=issue,
            requested_deadline=self.final_deadline if granted else wd(old, 15),
            reason=EXTENSION_TEXTS["decided_reason"],
        )
        self.entry(issue, created)
        decided = self.floating(min(asked + timedelta(1), today))
        decided = min(max(decided, created + timedelta(minutes=30)), self.now)
        services.extension_decide(
            actor=self.loader.users["staff"],
            extension=ext,
            grant=granted,
            note=EXTENSION_TEXTS["granted_note" if granted else "refused_note"],
        )
        self.entry(issue, decided)
        self.later(ext, created_at=created, decided_at=decided)

    def escalate(self, issue: Issue) -> None:
        """Overdue by 5 working days: escalated, as the daily reminder run does it."""
        escalated_on = wd(self.final_deadline, 5)
        if escalated_on > self.today:
            return
        Issue.objects.filter(pk=issue.pk).update(escalated_on=escalated_on)
        words = Phrase("timeline.escalated", days=5, deadline=self.final_deadline)
        ActionUpdate.objects.create(
            issue=issue, kind=Kind.ESCALATED, body=TEXTS["escalated"], body_phrase=words.data
        )
        self.entry(issue, min(at(escalated_on, 8), self.now))

    def close(self, issue: Issue, concluded: date) -> None:
        rng = self.rng
        closed_day = min(concluded + timedelta(rng.randint(1, 5)), self.today)
        closed_at = self.tick(closed_day, 16)
        issue = services.issue_close(
            actor=rng.choice(self.loader.staff),
            issue=issue,
            satisfaction=rng.choices(["satisfied", "basically"], [80, 20])[0],
        )
        self.later(issue, closed_at=self.entry(issue, closed_at))

    # -- afterwards --

    def finish(self) -> int:
        """Set the times the story happened at; returns how many timeline entries it has."""
        ids = list(self.entries)
        rows = defaultdict(list)
        for update in ActionUpdate.objects.filter(issue_id__in=ids).only("pk", "issue_id"):
            rows[update.issue_id].append(update)
        changed = []
        for pk, moments in self.entries.items():
            updates = sorted(rows[pk], key=lambda u: u.pk)
            assert len(updates) == len(moments), (pk, len(updates), len(moments))
            for update, moment in zip(updates, moments, strict=True):
                update.created_at = moment
                changed.append(update)
        ActionUpdate.objects.bulk_update(changed, ["created_at"], batch_size=500)
        groups = defaultdict(list)
        for model, pk, values in self.times:
            groups[model, tuple(sorted(values))].append(model(pk=pk, **values))
        for (model, fields), objs in groups.items():
            model.objects.bulk_update(objs, list(fields), batch_size=500)
        Issue.objects.filter(pk__in=self.studied).update(special_study=self.loader.study)
        Notification.objects.filter(issue_id__in=ids).delete()
        return len(changed)
