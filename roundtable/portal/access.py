"""Who may use the enterprise side (/portal/), and which enterprises' data they see.

- Only enterprise contacts (``roles.is_enterprise_contact``) whose link to at least one
  enterprise still stands (``EnterpriseContact.objects.active()``). Anyone else signed in,
  staff included, gets the portal's 403 page; an anonymous visitor the sign-in page.
- A contact sees the data of the enterprises whose link stands, and nothing else: every
  object a portal view reads by id goes through a function here, which answers 404 for an
  object of another enterprise (never 403: that would tell that it exists).
- Staff pages are refused to contacts centrally (``accounts.middleware.EnterpriseSideMiddleware``),
  not here.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import render

from roundtable.accounts import roles
from roundtable.enterprises.models import Enterprise, EnterpriseContact


def contact_links(user):
    """The user's standing links to enterprises (EnterpriseContact rows)."""
    if not roles.is_enterprise_contact(user) or not user.is_active:
        return EnterpriseContact.objects.none()
    return EnterpriseContact.objects.active().filter(user=user, enterprise__is_active=True)


def contact_enterprises(user):
    """The enterprises ``user`` represents today, as a QuerySet (empty for anyone who is not
    a contact, and for a contact whose links all ended)."""
    return Enterprise.objects.filter(pk__in=contact_links(user).values("enterprise_id")).order_by(
        "name_zh"
    )


def contact_required(view):
    """Decorator of every portal view: anonymous → sign-in; a signed-in user who is not a
    contact with a standing link → 403 (the portal's own page). Sets
    ``request.portal_enterprises``, the list of the contact's enterprises."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        enterprises = list(contact_enterprises(user))
        if not enterprises:
            return render(request, "portal/no_access.html", status=403)
        request.portal_enterprises = enterprises
        return view(request, *args, **kwargs)

    return wrapper


def enterprise_ids(request) -> list[int]:
    """Ids of the enterprises of the contact of this request (after ``contact_required``)."""
    return [enterprise.pk for enterprise in request.portal_enterprises]


def enterprise_for_contact(request, pk: int) -> Enterprise:
    """One of the contact's enterprises by id; 404 for any other."""
    for enterprise in request.portal_enterprises:
        if enterprise.pk == pk:
            return enterprise
    raise Http404
