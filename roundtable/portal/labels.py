"""How the enterprise side words the ledger's states for an enterprise. Kept here (not the
staff labels of issues.models) so that every word a contact reads is in the portal's own
modules, translated into all four languages (tests/portal/test_portal_translations.py)."""

from django.utils.translation import gettext_lazy as _

from issues.models import Issue

Status = Issue.Status

STATUS = {
    Status.LOGGED: _("Received"),
    Status.ASSIGNED: _("Being assigned to a department"),
    Status.RETURNED: _("Being assigned to a department"),
    Status.IN_PROGRESS: _("In progress"),
    Status.CONCLUSION_REPORTED: _("Concluded: awaiting your confirmation"),
    Status.CLOSED: _("Closed"),
}

SATISFACTION = {
    Issue.Satisfaction.SATISFIED: _("Satisfied"),
    Issue.Satisfaction.BASICALLY_SATISFIED: _("Basically satisfied"),
    Issue.Satisfaction.DISSATISFIED: _("Dissatisfied"),
}

RATED_BY = {
    Issue.RatedBy.ENTERPRISE: _("given by your enterprise on the portal"),
    Issue.RatedBy.STAFF: _("recorded by commerce staff on your behalf"),
}


def status(value: str) -> str:
    return str(STATUS.get(value, ""))


def satisfaction_choices():
    return [(value, label) for value, label in SATISFACTION.items()]
