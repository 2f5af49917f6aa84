"""The issue lifecycle. Every view and task changes issues through these functions only.

logged → assigned → (accepted by the lead) in progress → conclusion reported → closed,
with returns, reassignment, deadline extensions, chair instructions and reopening.

Each function takes the acting user, checks the rule (raising ``TransitionRefused`` with a
message fit for the user, or ``PermissionDenied``), writes inside ``transaction.atomic`` with
the issue row locked, leaves an ``ActionUpdate`` and a history row naming the actor and the
reason, and bumps ``Issue.version`` so that concurrent editors notice.
"""

# The lifecycle in steps, one module each; callers keep using ``issues.services.<name>``.
from issues.services.assignment import (
    RESPONSIBLE_NOT_IN_LEAD,
    _assign,
    assignment_accept,
    assignment_return,
    check_assignable,
    issue_assign,
)
from issues.services.base import (
    StaleVersion,
    Status,
    TransitionRefused,
    _clean_text,
    _department_people,
    _locked,
    _notify,
    _save,
    _save_assignment,
    _set_deadline,
    _staff_people,
    _timeline,
    at_version,
    check_version,
)
from issues.services.closing import _reopen, issue_add_instruction, issue_close, issue_reopen
from issues.services.editing import EDITABLE_FIELDS, check_editable, issue_create, issue_update
from issues.services.progress import (
    extension_decide,
    issue_add_enterprise_information,
    issue_post_progress,
    issue_report_conclusion,
    issue_request_extension,
)
from issues.services.recount import _recount_reason, _years_text, issue_deadlines_recompute

__all__ = [
    "TransitionRefused",
    "StaleVersion",
    "at_version",
    "check_version",
    "_locked",
    "_save",
    "_save_assignment",
    "_timeline",
    "_notify",
    "_department_people",
    "_staff_people",
    "_clean_text",
    "_set_deadline",
    "Status",
    "issue_create",
    "issue_update",
    "check_editable",
    "EDITABLE_FIELDS",
    "_assign",
    "issue_assign",
    "check_assignable",
    "assignment_accept",
    "assignment_return",
    "RESPONSIBLE_NOT_IN_LEAD",
    "issue_post_progress",
    "issue_add_enterprise_information",
    "issue_request_extension",
    "extension_decide",
    "issue_report_conclusion",
    "issue_close",
    "_reopen",
    "issue_reopen",
    "issue_add_instruction",
    "_years_text",
    "_recount_reason",
    "issue_deadlines_recompute",
]
