"""Who may see and change enterprises.

- The directory and every enterprise page: commerce staff and the chair's office.
- A designated official (包联领导) opens the pages of the enterprises in their own portfolio;
  on those pages the issue list still shows only the issues they may read in the ledger.
- Department liaisons and heads reach an enterprise through the issues they handle: its page,
  which gathers all its issues, visits and contacts, answers 404 for them.
- Creating and editing enterprises and contacts, and reassigning designated officials:
  commerce staff only (403 for anyone else who can see the page).
- Inviting a contact to the enterprise side (/portal/) and ending their access: commerce
  staff and the enterprise's designated official.
- Every signed-in user may search names for pickers (``enterprises:autocomplete``): names
  and credit codes are not confidential inside the portal.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from roundtable.accounts import roles
from roundtable.enterprises.models import Enterprise, EnterpriseContact


def _pk(value) -> int:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise Http404 from None
    if pk <= 0 or pk > 2**62:
        raise Http404
    return pk


def enterprise_for_user(user, pk, *, queryset=None) -> Enterprise:
    """The enterprise ``pk`` if ``user`` may open its page; 404 otherwise."""
    qs = queryset if queryset is not None else Enterprise.objects.all()
    try:
        return qs.visible_to(user).get(pk=_pk(pk))
    except Enterprise.DoesNotExist:
        raise Http404 from None


def contact_of(enterprise: Enterprise, pk) -> EnterpriseContact:
    try:
        return enterprise.contacts.get(pk=_pk(pk))
    except EnterpriseContact.DoesNotExist:
        raise Http404 from None


def can_use_directory(user) -> bool:
    return roles.can_read_all_issues(user)


def can_edit(user, enterprise: Enterprise | None = None) -> bool:
    return roles.is_commerce_staff(user)


def can_invite(user, enterprise: Enterprise) -> bool:
    """Inviting a contact to the enterprise side, and ending a contact's access: commerce
    staff, and the enterprise's own designated official."""
    if roles.is_commerce_staff(user):
        return True
    return roles.is_staff_side(user) and enterprise.designated_official_id == user.pk


def can_reassign(user) -> bool:
    return roles.is_commerce_staff(user)


def can_see_all_portfolios(user) -> bool:
    return roles.can_read_all_issues(user)


def check(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied
