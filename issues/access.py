"""Who may see and do what on an issue: the one place views and services ask.

``issue_for_user`` answers 404 when the user may not see the issue (hiding that it exists)
and 403 when the user has no business with the ledger at all (an administrator who only
manages users). The ``can_*`` predicates answer for one action on an issue the user can see;
a view turns False into 403, and the service checks the same predicate again.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from issues.models import Assignment, Issue
from roundtable.accounts import roles
from roundtable.lib import params


def require_case_user(user) -> None:
    """Ledger pages are for people who work with issues; others get 403."""
    if not roles.is_case_user(user):
        raise PermissionDenied


def issue_for_user(user, pk, *, queryset=None) -> Issue:
    """The issue ``pk`` if ``user`` may see it; 404 otherwise (also for malformed ids)."""
    require_case_user(user)
    pk = params.parse_id(str(pk))
    if pk is None:
        raise Http404
    qs = queryset if queryset is not None else Issue.objects.all()
    try:
        return qs.visible_to(user).get(pk=pk)
    except Issue.DoesNotExist:
        raise Http404 from None


def _user_assignments(user, issue: Issue):
    dept_ids = roles.department_ids(user)
    if not dept_ids:
        return []
    cache = getattr(issue, "_current_assignments", None)
    if cache is None:
        cache = list(issue.assignments.current().select_related("department"))
        issue._current_assignments = cache
    return [a for a in cache if a.department_id in dept_ids]


def user_assignment(user, issue: Issue) -> Assignment | None:
    """The current assignment through which ``user`` acts on ``issue`` (lead first)."""
    mine = sorted(_user_assignments(user, issue), key=lambda a: a.role != Assignment.Role.LEAD)
    return mine[0] if mine else None


def can_edit(user, issue: Issue) -> bool:
    return roles.is_commerce_staff(user)


def can_assign(user, issue: Issue) -> bool:
    return roles.is_commerce_staff(user)


def can_respond(user, assignment: Assignment) -> bool:
    """Accept or return: the liaison or head of that very department."""
    return assignment.is_current and assignment.department_id in roles.department_ids(user)


def can_post_progress(user, issue: Issue) -> bool:
    return bool(_user_assignments(user, issue))


def is_lead(user, issue: Issue) -> bool:
    return any(a.role == Assignment.Role.LEAD for a in _user_assignments(user, issue))


def can_request_extension(user, issue: Issue) -> bool:
    return is_lead(user, issue)


def can_conclude(user, issue: Issue) -> bool:
    return is_lead(user, issue)


def can_decide_extension(user, issue: Issue) -> bool:
    return roles.is_commerce_staff(user)


def can_set_deadlines(user) -> bool:
    """Preview deadlines as they are typed, and count provisional ones again once their
    year is published: commerce staff, who give deadlines."""
    return roles.is_commerce_staff(user)


def can_close(user, issue: Issue) -> bool:
    return roles.is_commerce_staff(user)


def represents(user, issue: Issue) -> bool:
    """``user`` is a contact of the enterprise that raised ``issue``, with a standing link:
    they act for it on the enterprise side (add information, confirm the conclusion). The
    portal's pages find the issue through ``roundtable/portal/access.py`` first."""
    if not roles.is_enterprise_contact(user) or not user.is_active:
        return False
    from roundtable.enterprises.models import EnterpriseContact

    return (
        EnterpriseContact.objects.active()
        .filter(user=user, enterprise_id=issue.enterprise_id, enterprise__is_active=True)
        .exists()
    )


def can_instruct(user, issue: Issue) -> bool:
    return roles.is_chair(user)


def check(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied
