"""Who may see and do what with the roundtable, its meetings and intake: the one place the
views and services ask, built on ``roundtable.accounts.roles``.

- The roundtable page (membership, seats, phone numbers) is open to every signed-in user;
  commerce staff and administrators edit its membership.
- Meetings: commerce staff plan and change everything; the chair's office reads every
  meeting; anyone else opens the meetings their department takes part in or was consulted on,
  and those they take part in themselves (``Meeting.objects.visible_to``). A meeting one may
  not open answers 404, hiding that it exists; a change one may not make answers 403.
- A meeting's list (清单) shows only the issues the user may read in the ledger
  (``Issue.objects.visible_to``): a department that attended a meeting does not thereby read
  another department's issues.
- An advance consultation is answered by the consulted department (its liaison or head) or
  recorded by commerce staff.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from roundtable.accounts import roles
from roundtable.lib import params
from roundtable.meetings.models import (
    IntakeAttachment,
    IntakeConsultation,
    IntakeItem,
    Meeting,
    RoundtableSeat,
)


def _pk(value) -> int:
    pk = params.parse_id(str(value))
    if pk is None:
        raise Http404
    return pk


def meeting_for_user(user, pk, *, queryset=None) -> Meeting:
    """The meeting ``pk`` if ``user`` may open it; 404 otherwise (also for malformed ids)."""
    qs = queryset if queryset is not None else Meeting.objects.all()
    try:
        return qs.visible_to(user).get(pk=_pk(pk))
    except Meeting.DoesNotExist:
        raise Http404 from None


def intake_item_for_user(user, meeting: Meeting, pk) -> IntakeItem:
    """An intake item of ``meeting`` that ``user`` may read; 404 otherwise."""
    try:
        return (
            IntakeItem.objects.visible_to(user)
            .select_related("enterprise", "category", "meeting")
            .get(pk=_pk(pk), meeting=meeting)
        )
    except IntakeItem.DoesNotExist:
        raise Http404 from None


def consultation_for_user(user, meeting: Meeting, pk) -> IntakeConsultation:
    """A consultation on an intake item of ``meeting`` whose item ``user`` may read."""
    items = IntakeItem.objects.visible_to(user).filter(meeting=meeting)
    try:
        return IntakeConsultation.objects.select_related(
            "item", "item__enterprise", "department", "replied_by"
        ).get(pk=_pk(pk), item__in=items)
    except IntakeConsultation.DoesNotExist:
        raise Http404 from None


def can_read_queue(user) -> bool:
    """The intake queue of enterprises' concerns: commerce staff decide, the chair's office
    reads; no one else (a department sees a concern once it is sent to it or on an agenda,
    on the meeting's page)."""
    return roles.can_read_all_issues(user)


def queue_item_for_user(user, pk) -> IntakeItem:
    """A concern of the intake queue; 403 for a user who may not read the queue, 404 for an
    id that is not there (or malformed)."""
    check(can_read_queue(user))
    try:
        return (
            IntakeItem.objects.visible_to(user)
            .select_related("enterprise", "category", "meeting", "issue", "raised_by", "sender")
            .get(pk=_pk(pk))
        )
    except IntakeItem.DoesNotExist:
        raise Http404 from None


def item_file_or_404(item: IntakeItem, pk):
    """A file of ``item``; 404 for a file of another concern."""
    try:
        return item.attachments.get(pk=_pk(pk))
    except IntakeAttachment.DoesNotExist:
        raise Http404 from None


def seat_or_404(pk) -> RoundtableSeat:
    try:
        return RoundtableSeat.objects.select_related("roundtable", "user", "department").get(
            pk=_pk(pk)
        )
    except RoundtableSeat.DoesNotExist:
        raise Http404 from None


# --- Predicates: one action, for a user who can already see the object ----------------------


def can_plan(user) -> bool:
    """Plan meetings, record service visits: the secretariat."""
    return roles.is_commerce_staff(user)


def can_edit(user, meeting: Meeting | None = None) -> bool:
    """Change a meeting, its participants, intake, agenda, attendance, minutes and list."""
    return roles.is_commerce_staff(user)


def can_reply(user, consultation: IntakeConsultation) -> bool:
    """Record the reply to an advance consultation: the consulted department, or staff."""
    return roles.is_commerce_staff(user) or consultation.department_id in roles.department_ids(user)


def can_edit_roundtable(user) -> bool:
    """Change the roundtable's membership and seats: administrators and commerce staff."""
    return roles.is_administrator(user) or roles.is_commerce_staff(user)


def sees_everything(user) -> bool:
    return roles.can_read_all_issues(user)


def sees_mobile_numbers(user) -> bool:
    """Mobile numbers on the roundtable page are for government users, not (future)
    enterprise accounts."""
    return (
        roles.can_read_all_issues(user)
        or roles.is_department_member(user)
        or roles.is_administrator(user)
    )


def check(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied
