"""How an enterprise reads the status of its concern: the staff's statuses (meetings'
``IntakeItem.Status``) in words for the enterprise side, in every language of the portal."""

from django.utils.translation import gettext_lazy as _

from roundtable.meetings.models import IntakeItem

Status = IntakeItem.Status

LABELS = {
    Status.OPEN: _("Received: being examined"),
    Status.IN_CONSULTATION: _("Received: being examined"),
    Status.ON_AGENDA: _("On the agenda of a roundtable meeting"),
    Status.SETTLED: _("Settled"),
    Status.DROPPED: _("Not taken up"),
    Status.ACCEPTED: _("Taken up as a ledger issue"),
    Status.MERGED: _("Added to an issue already being handled"),
    Status.ANSWERED: _("Answered"),
}


def status_label(item: IntakeItem) -> str:
    return str(LABELS.get(item.status, _("Received: being examined")))
