"""Special studies: creating and editing a study, and linking issues to it.

A study's issues change like any other edit of an issue: the issue row is locked, its version
bumped (so that an open edit form notices), a history row names the actor and the reason, and
the issue's timeline says it was taken into (or out of) the study, through the same helpers as
``issues.services``.
"""

from collections.abc import Iterable

from django.db import transaction

from issues import access
from issues.models import ActionUpdate, Issue, SpecialStudy
from issues.services import _locked, _save, _timeline
from roundtable.accounts import roles
from roundtable.accounts.models import User

STUDY_FIELDS = ("title", "lead_department", "status", "description", "findings", "policy_outcome")


def _check_fields(fields: dict) -> None:
    unknown = set(fields) - set(STUDY_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")


def special_study_create(*, actor: User, issues: Iterable[Issue] = (), **fields) -> SpecialStudy:
    """A new study with ``fields`` (see ``STUDY_FIELDS``), ``issues`` linked to it."""
    access.check(roles.is_commerce_staff(actor))
    _check_fields(fields)
    with transaction.atomic():
        study = SpecialStudy(created_by=actor, **fields)
        study._history_user = actor
        study.save()
        _link(study, issues, actor)
    return study


def special_study_update(
    *, actor: User, study: SpecialStudy, issues: Iterable[Issue], **fields
) -> SpecialStudy:
    """Save the study's ``fields`` and make its issues exactly ``issues``."""
    access.check(roles.is_commerce_staff(actor))
    _check_fields(fields)
    issues = list(issues)
    chosen = {issue.pk for issue in issues}
    with transaction.atomic():
        for name, value in fields.items():
            setattr(study, name, value)
        study._history_user = actor
        study.save()
        for issue in study.issues.exclude(pk__in=chosen).order_by("pk"):
            current = _locked(issue)
            if current.special_study_id == study.pk:
                current.special_study = None
                _save(current, actor, "removed from special study", ["special_study"])
                _timeline(current, actor, ActionUpdate.Kind.STUDY_REMOVED, body=study.title)
        _link(study, issues, actor)
    return study


def _link(study: SpecialStudy, issues: Iterable[Issue], actor: User) -> None:
    for issue in sorted(issues, key=lambda i: i.pk):
        if issue.special_study_id == study.pk:
            continue
        current = _locked(issue)
        if current.special_study_id != study.pk:
            current.special_study = study
            _save(current, actor, "added to special study", ["special_study"])
            _timeline(current, actor, ActionUpdate.Kind.STUDY_ADDED, body=study.title)
