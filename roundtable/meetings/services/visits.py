"""Service visits to an enterprise."""

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from departments.models import Department
from issues import services as issue_services
from issues.models import Category, Issue
from roundtable.accounts.models import User
from roundtable.enterprises.models import Enterprise
from roundtable.meetings import access
from roundtable.meetings.models import Meeting, Roundtable
from roundtable.meetings.services.common import (
    Kind,
    MeetingRefused,
    Status,
    _local_day,
    _save,
    _set_participants,
    _text,
)
from roundtable.meetings.services.meetings import default_roundtable

# --- Service visits -----------------------------------------------------------------------


def service_visit_record(
    *,
    actor: User,
    enterprises: Sequence[Enterprise],
    starts_at: datetime,
    topic: str,
    notes: str = "",
    venue: str = "",
    people: Iterable[User] = (),
    departments: Iterable[Department] = (),
    issues_raised: Sequence[str] = (),
    category: Category | None = None,
    roundtable: Roundtable | None = None,
) -> Meeting:
    """Record a visit that took place: one enterprise makes it one-on-one, several
    one-on-several. It is held at once, everyone named attended (the acting user too, unless
    other people are named). Each line of ``issues_raised`` is logged as a ledger issue from
    the visit (source: service visit), raised by the first enterprise and concerning the
    others; staff assign it from the ledger."""
    access.check(access.can_plan(actor))
    enterprises = list(dict.fromkeys(enterprises))
    if not enterprises:
        raise MeetingRefused(_("Choose the enterprise you visited."), field="enterprises")
    if starts_at > timezone.now() + timedelta(minutes=5):
        raise MeetingRefused(
            _("A visit is recorded after it took place; plan future visits as meetings."),
            field="starts_at",
        )
    topic = _text(topic, label=_("What was discussed"), field="topic")[:200]
    notes = _text(notes, label=_("The notes"), field="notes", required=False)
    lines = [line.strip()[:200] for line in issues_raised if line and line.strip()]
    if lines and category is None:
        raise MeetingRefused(_("Choose a category for the issues raised."), field="category")
    roundtable = roundtable or default_roundtable()
    if roundtable is None:
        raise MeetingRefused(_("Set up the roundtable first on the roundtable page."))
    kind = Kind.ONE_ON_ONE if len(enterprises) == 1 else Kind.ONE_ON_SEVERAL
    with transaction.atomic():
        visit = Meeting(
            roundtable=roundtable,
            kind=kind,
            topic=topic,
            venue=(venue or "").strip(),
            starts_at=starts_at,
            status=Status.HELD,
            minutes=notes,
            created_by=actor,
        )
        _save(visit, actor, "visit recorded")
        _set_participants(
            visit,
            actor,
            enterprises=enterprises,
            departments=departments,
            users=list(people) or [actor],
            attended=True,
        )
        for line in lines:
            issue_services.issue_create(
                actor=actor,
                title=line,
                enterprise=enterprises[0],
                other_enterprises=enterprises[1:],
                category=category,
                source=Issue.Source.SERVICE_VISIT,
                meeting=visit,
                raised_on=min(_local_day(starts_at), timezone.localdate()),
            )
    return visit
