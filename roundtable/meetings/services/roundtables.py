"""The roundtable's membership (its seats) and personal calendar feeds."""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from departments.models import Department
from roundtable.accounts.models import User
from roundtable.meetings import access
from roundtable.meetings.models import CalendarFeed, Roundtable, RoundtableSeat, new_feed_token
from roundtable.meetings.services.common import (
    DEPARTMENT_SEATS,
    PERSON_SEATS,
    SINGLE_SEATS,
    MeetingRefused,
    Seat,
    _save,
)

# --- The roundtable's membership ----------------------------------------------------------


ROUNDTABLE_FIELDS = ("name_zh", "name_en", "jurisdiction", "leading_department", "cadence")


def roundtable_save(*, actor: User, roundtable: Roundtable | None = None, **fields) -> Roundtable:
    """Set up the roundtable, or change its name, jurisdiction, cadence or leading
    department. A new leading department also takes the leading department's seat."""
    access.check(access.can_edit_roundtable(actor))
    unknown = set(fields) - set(ROUNDTABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    with transaction.atomic():
        if roundtable is None:
            roundtable = Roundtable(**fields)
            _save(roundtable, actor, "set up")
            seat = RoundtableSeat(
                roundtable=roundtable,
                role=Seat.LEADING_DEPARTMENT,
                department=roundtable.leading_department,
                started_on=timezone.localdate(),
            )
            _save(seat, actor, "leading department")
            return roundtable
        current = Roundtable.objects.select_for_update().get(pk=roundtable.pk)
        changed = [name for name, value in fields.items() if getattr(current, name) != value]
        for name in changed:
            setattr(current, name, fields[name])
        if changed:
            _save(current, actor, "edited: " + ", ".join(changed))
        if "leading_department" in changed:
            today = timezone.localdate()
            seat = (
                current.seats.current(on=today)
                .filter(role=Seat.LEADING_DEPARTMENT, ended_on__isnull=True)
                .first()
            )
            if seat is None:
                new = RoundtableSeat(
                    roundtable=current,
                    role=Seat.LEADING_DEPARTMENT,
                    department=current.leading_department,
                    started_on=today,
                )
                _save(new, actor, "leading department")
            elif seat.department_id != current.leading_department_id:
                _change_seat(seat, actor, department=current.leading_department, on=today)
    return current


def _check_holder(role: str, user, department) -> None:
    if role in PERSON_SEATS and user is None:
        raise MeetingRefused(_("Choose the person who holds this seat."), field="user")
    if role in DEPARTMENT_SEATS and department is None:
        raise MeetingRefused(_("Choose the department that holds this seat."), field="department")
    if user is None and department is None:
        raise MeetingRefused(_("Choose who holds this seat."))


def seat_add(
    *,
    actor: User,
    roundtable: Roundtable,
    role: str,
    started_on: date,
    user: User | None = None,
    department: Department | None = None,
) -> RoundtableSeat:
    """Give someone a seat: a deputy, a member department, a member of the safeguard team.
    The chair and the leading department change hands through ``seat_change``."""
    access.check(access.can_edit_roundtable(actor))
    _check_holder(role, user, department)
    with transaction.atomic():
        Roundtable.objects.select_for_update().get(pk=roundtable.pk)
        open_seats = roundtable.seats.filter(role=role, ended_on__isnull=True)
        if role in SINGLE_SEATS and open_seats.exists():
            raise MeetingRefused(
                _("This seat is held already: change its holder instead."), field="role"
            )
        if open_seats.filter(user=user, department=department).exists():
            raise MeetingRefused(_("This seat is held already by the same holder."), field="role")
        seat = RoundtableSeat(
            roundtable=roundtable,
            role=role,
            user=user,
            department=department,
            started_on=started_on,
        )
        _save(seat, actor, "seat added")
        if role == Seat.LEADING_DEPARTMENT and department is not None:
            roundtable.leading_department = department
            _save(roundtable, actor, "leading department")
    return seat


def _change_seat(seat: RoundtableSeat, actor: User, *, on: date, user=None, department=None):
    if seat.ended_on is not None:
        raise MeetingRefused(_("This seat was already handed over or ended."))
    if on <= seat.started_on:
        raise MeetingRefused(
            _("The change must come after the current holder took the seat (%(day)s).")
            % {"day": seat.started_on},
            field="changed_on",
        )
    if seat.role in PERSON_SEATS:
        department = None
        if user is None:
            raise MeetingRefused(_("Choose the new holder."), field="user")
        if user.pk == seat.user_id:
            raise MeetingRefused(_("The new holder is the current one."), field="user")
    else:
        user = None
        if department is None:
            raise MeetingRefused(_("Choose the new department."), field="department")
        if department.pk == seat.department_id:
            raise MeetingRefused(_("The new holder is the current one."), field="department")
    seat.ended_on = on - timedelta(days=1)
    _save(seat, actor, "handed over")
    new = RoundtableSeat(
        roundtable=seat.roundtable,
        role=seat.role,
        user=user,
        department=department,
        started_on=on,
    )
    _save(new, actor, "took over")
    return new


def seat_change(
    *,
    actor: User,
    seat: RoundtableSeat,
    changed_on: date,
    user: User | None = None,
    department: Department | None = None,
) -> RoundtableSeat:
    """Hand a seat to a new holder from ``changed_on``: the old seat ends the day before and
    a new one opens, so the roundtable page can tell who held it when. Returns the new seat."""
    access.check(access.can_edit_roundtable(actor))
    with transaction.atomic():
        current = RoundtableSeat.objects.select_for_update().get(pk=seat.pk)
        new = _change_seat(current, actor, on=changed_on, user=user, department=department)
        if new.role == Seat.LEADING_DEPARTMENT:
            roundtable = Roundtable.objects.select_for_update().get(pk=new.roundtable_id)
            roundtable.leading_department = new.department
            _save(roundtable, actor, "leading department")
    return new


def seat_end(*, actor: User, seat: RoundtableSeat, ended_on: date) -> RoundtableSeat:
    """End a seat without a successor (a department leaves the roundtable). The record
    stays, with its dates."""
    access.check(access.can_edit_roundtable(actor))
    with transaction.atomic():
        current = RoundtableSeat.objects.select_for_update().get(pk=seat.pk)
        if current.ended_on is not None:
            raise MeetingRefused(_("This seat was already handed over or ended."))
        if ended_on < current.started_on:
            raise MeetingRefused(
                _("A seat cannot end before it began (%(day)s).") % {"day": current.started_on},
                field="ended_on",
            )
        if current.role == Seat.LEADING_DEPARTMENT:
            raise MeetingRefused(
                _("The roundtable always has a leading department: change it instead.")
            )
        current.ended_on = ended_on
        _save(current, actor, "ended")
    return current


# --- Calendar feed ------------------------------------------------------------------------


def feed_token_create(*, actor: User) -> CalendarFeed:
    """Give ``actor`` a new private calendar address. Any earlier address stops working."""
    if not actor.is_authenticated or not actor.is_active:
        raise access.PermissionDenied
    with transaction.atomic():
        feed = CalendarFeed.objects.select_for_update().filter(user=actor).first()
        if feed is None:
            return CalendarFeed.objects.create(user=actor)
        feed.token = new_feed_token()
        feed.created_at = timezone.now()
        feed.revoked_at = None
        feed.last_read_at = None
        feed.save()
    return feed


def feed_token_revoke(*, actor: User) -> bool:
    """Stop ``actor``'s calendar address from working. True if there was one to revoke."""
    if not actor.is_authenticated:
        raise access.PermissionDenied
    return bool(
        CalendarFeed.objects.filter(user=actor, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    )
