from django.utils.functional import SimpleLazyObject

from roundtable.accounts import roles as role_rules


def roles(request):
    """Role flags for navigation. Lazy: pages that do not ask pay no query."""
    user = request.user

    def compute():
        return {
            "is_commerce_staff": role_rules.is_commerce_staff(user),
            "is_chair": role_rules.is_chair(user),
            "is_administrator": role_rules.is_administrator(user),
            "is_department_member": role_rules.is_department_member(user),
            "is_department_head": role_rules.is_department_head(user),
            "reads_all_issues": role_rules.can_read_all_issues(user),
            # Anyone who works with issues (a monitor too): the ledger link is for them.
            "is_case_user": role_rules.is_case_user(user),
            "labels": role_rules.role_labels(user),
        }

    return {"role": SimpleLazyObject(compute)}
