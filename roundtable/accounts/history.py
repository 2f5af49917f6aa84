"""A user's history as people read it: who changed what on the account and when, from
django-simple-history's records of the user (roles included) and of their department
memberships."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.apps import apps
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from departments.models import DepartmentMembership
from roundtable.accounts.models import Language, Role, User

# The services store a short English code as the change reason; people read it translated.
REASONS = {
    "created": pgettext_lazy("account history", "account created"),
    "roles set": pgettext_lazy("account history", "roles set"),
    "invitation sent": pgettext_lazy("account history", "invitation sent"),
    "roles set, invitation sent": pgettext_lazy("account history", "roles set, invitation sent"),
    "password changed": pgettext_lazy("account history", "password changed by its owner"),
    "password reset by link": pgettext_lazy("account history", "password reset by e-mail link"),
    "invitation accepted": pgettext_lazy("account history", "invitation accepted, password set"),
    "deactivated": pgettext_lazy("account history", "deactivated"),
    "reactivated": pgettext_lazy("account history", "reactivated"),
    "second factor on": pgettext_lazy("account history", "second factor turned on"),
    "second factor off": pgettext_lazy("account history", "second factor turned off"),
    "second factor reset": pgettext_lazy("account history", "second factor reset"),
    "backup codes renewed": pgettext_lazy("account history", "backup codes renewed"),
    "added": pgettext_lazy("account history", "department seat added"),
    "ended": pgettext_lazy("account history", "department seat ended"),
}
SHOWN_FIELDS = {
    "username": _("Username"),
    "full_name": _("Full name"),
    "email": _("E-mail address"),
    "title": _("Job title"),
    "office_phone": _("Office phone"),
    "mobile": _("Mobile"),
    "preferred_language": _("Language"),
    "is_active": _("Active"),
}


def reason_label(code: str | None) -> str:
    code = code or ""
    if code.startswith("edited"):
        return str(pgettext_lazy("account history", "edited"))
    return str(REASONS.get(code, code))


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class Entry:
    at: datetime
    user: object
    what: str
    changes: list[Change] = field(default_factory=list)
    detail: str = ""


def _show(name: str, value) -> str:
    if value in (None, ""):
        return "—"
    if name == "preferred_language":
        return str(dict(Language.choices).get(value, value))
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    return str(value)


def _roles(group_ids, group_names: dict[int, str]) -> str:
    labels = dict(Role.choices)
    names = sorted(group_names.get(pk, "") for pk in group_ids)
    return ", ".join(str(labels.get(n, n)) for n in names if n) or "—"


def user_history(user: User) -> list[Entry]:
    """Newest first."""
    from django.contrib.auth.models import Group

    group_names = dict(Group.objects.values_list("pk", "name"))
    records = list(
        user.history.select_related("history_user").order_by("history_date", "history_id")
    )
    # The roles each record saw (django-simple-history's m2m snapshot), in one query.
    snapshot = apps.get_model("accounts", "HistoricalUser_groups")
    groups_at = defaultdict(set)
    for history_id, group_id in snapshot.objects.filter(
        history_id__in=[r.history_id for r in records]
    ).values_list("history_id", "group_id"):
        groups_at[history_id].add(group_id)
    entries = []
    previous = None
    for record in records:
        changes = []
        if previous is not None:
            for name, label in SHOWN_FIELDS.items():
                old, new = getattr(previous, name), getattr(record, name)
                if old != new:
                    changes.append(Change(str(label), _show(name, old), _show(name, new)))
        roles_before = (
            _roles(groups_at[previous.history_id], group_names) if previous is not None else "—"
        )
        roles_now = _roles(groups_at[record.history_id], group_names)
        if roles_before != roles_now:
            changes.append(Change(str(_("Roles")), roles_before, roles_now))
        what = reason_label(record.history_change_reason) or reason_label(
            "created" if record.history_type == "+" else "edited"
        )
        entries.append(Entry(record.history_date, record.history_user, what, changes))
        previous = record
    memberships = (
        DepartmentMembership.history.filter(user_id=user.pk)
        .select_related("history_user", "department")
        .order_by("history_date", "history_id")
    )
    for record in memberships:
        seat = f"{record.department} · {record.get_role_display()}"
        dates = f"{record.started_on:%Y-%m-%d} – " + (
            f"{record.ended_on:%Y-%m-%d}" if record.ended_on else "…"
        )
        entries.append(
            Entry(
                record.history_date,
                record.history_user,
                reason_label(record.history_change_reason)
                if record.history_change_reason
                else str(pgettext_lazy("account history", "department seat changed")),
                detail=f"{seat}, {dates}",
            )
        )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries
