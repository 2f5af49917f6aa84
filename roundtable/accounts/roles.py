"""The one place that says what a user's role is.

Views, templates and services ask these functions; none decides on its own. Portal-wide roles
are auth groups (see ``Role``); department roles are current memberships of a department.
Object-level rules for issues live in ``issues/access.py`` and are built on these.
"""

from django.contrib.auth.models import AnonymousUser

from roundtable.accounts.models import Role, User


def is_enterprise_contact(user: User | AnonymousUser) -> bool:
    """An account of the enterprise side (``User.is_enterprise_contact``): it reaches
    /portal/ only (``EnterpriseSideMiddleware``) and holds no staff role, whatever groups or
    department seats it may have been given by mistake. Which enterprises it represents, and
    whether those links still stand, is ``roundtable/portal/access.py``'s question."""
    return bool(user.is_authenticated and getattr(user, "is_enterprise_contact", False))


def is_staff_side(user: User | AnonymousUser) -> bool:
    """Signed in, active and not an enterprise contact: the staff side's pages are for them
    (each page still checks its own role)."""
    return bool(user.is_authenticated and user.is_active and not is_enterprise_contact(user))


def _groups(user) -> frozenset[str]:
    if not is_staff_side(user):
        return frozenset()
    cached = getattr(user, "_role_groups", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._role_groups = cached
    return cached


def is_commerce_staff(user: User | AnonymousUser) -> bool:
    return Role.COMMERCE_STAFF in _groups(user)


def is_chair(user: User | AnonymousUser) -> bool:
    return Role.CHAIR in _groups(user)


def is_administrator(user: User | AnonymousUser) -> bool:
    if not is_staff_side(user):
        return False
    return user.is_superuser or Role.ADMINISTRATOR in _groups(user)


def department_ids(user: User | AnonymousUser, *, role: str | None = None) -> frozenset[int]:
    """Ids of the departments in which ``user`` currently holds a membership (any role, or
    ``role``: "head" or "liaison")."""
    if not is_staff_side(user):
        return frozenset()
    cache = getattr(user, "_role_departments", None)
    if cache is None:
        from departments.models import DepartmentMembership

        cache = {}
        for dept_id, member_role in (
            DepartmentMembership.objects.current()
            .filter(user=user)
            .values_list("department_id", "role")
        ):
            cache.setdefault(member_role, set()).add(dept_id)
        user._role_departments = cache
    if role is None:
        return frozenset().union(*cache.values()) if cache else frozenset()
    return frozenset(cache.get(role, ()))


def preload(users) -> None:
    """Read the groups and current department memberships of many ``users`` in two queries
    and keep them on each user object, as the functions above do one user at a time: asking
    about each of them afterwards (``Issue.objects.visible_to``) reads nothing more."""
    from departments.models import DepartmentMembership

    people = {user.pk: user for user in users if user.pk is not None}
    if not people:
        return
    groups = {pk: set() for pk in people}
    for user_id, name in User.groups.through.objects.filter(user_id__in=people).values_list(
        "user_id", "group__name"
    ):
        groups[user_id].add(name)
    departments = {pk: {} for pk in people}
    for user_id, dept_id, member_role in (
        DepartmentMembership.objects.current()
        .filter(user_id__in=people)
        .values_list("user_id", "department_id", "role")
    ):
        departments[user_id].setdefault(member_role, set()).add(dept_id)
    for pk, user in people.items():
        user._role_groups = frozenset(groups[pk])
        user._role_departments = departments[pk]


def is_department_member(user) -> bool:
    return bool(department_ids(user))


def is_department_head(user) -> bool:
    return bool(department_ids(user, role="head"))


def can_read_all_issues(user) -> bool:
    """Commerce staff and the chair's office read the whole ledger."""
    return is_commerce_staff(user) or is_chair(user)


def is_case_user(user) -> bool:
    """Anyone who works with issues: the ledger and its pages are open to them."""
    if can_read_all_issues(user) or is_department_member(user):
        return True
    # Through the reverse relation (Issue.monitor): accounts never imports issues.
    return is_staff_side(user) and user.monitored_issues.exists()


def role_labels(user) -> list[str]:
    labels = []
    if is_chair(user):
        labels.append(str(Role.CHAIR.label))
    if is_commerce_staff(user):
        labels.append(str(Role.COMMERCE_STAFF.label))
    if is_department_head(user):
        from django.utils.translation import gettext

        labels.append(gettext("Department head"))
    elif is_department_member(user):
        from django.utils.translation import gettext

        labels.append(gettext("Department liaison"))
    if is_administrator(user):
        labels.append(str(Role.ADMINISTRATOR.label))
    return labels
