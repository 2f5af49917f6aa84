"""Reads of the intake, imported by models.py (so the other models are looked up by name, once
the app's models are loaded)."""

from django.apps import apps
from django.db import models
from django.db.models import Exists, OuterRef, Q


class IntakeItemQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Intake items ``user`` may read: all for commerce staff and the chair's office (the
        intake queue, unverified concerns from the public form included); for a department,
        the items on the agenda of a meeting it can open, and verified items that concern it
        or were sent to it for consultation. An item with no meeting is never on an agenda,
        and an unverified one (no enterprise yet) stays with staff. Enterprises' contacts
        read their own concerns through ``raised_for``, never through this."""
        from roundtable.accounts import roles

        IntakeItem = self.model  # noqa: N806 - the model, named as everywhere else
        Meeting = apps.get_model("meetings", "Meeting")  # noqa: N806
        IntakeConsultation = apps.get_model("meetings", "IntakeConsultation")  # noqa: N806

        if not user.is_authenticated or not user.is_active:
            return self.none()
        if roles.can_read_all_issues(user):
            return self
        condition = Q(
            status=IntakeItem.Status.ON_AGENDA,
            meeting__isnull=False,
            meeting__in=Meeting.objects.visible_to(user),
        )
        dept_ids = roles.department_ids(user)
        if dept_ids:
            concerns_dept = Exists(
                IntakeItem.departments.through.objects.filter(
                    intakeitem_id=OuterRef("pk"), department_id__in=dept_ids
                )
            ) | Exists(
                IntakeConsultation.objects.filter(item=OuterRef("pk"), department_id__in=dept_ids)
            )
            condition |= Q(concerns_dept, verified=True)
        return self.filter(condition)

    def raised_for(self, enterprise_ids):
        """The concerns of these enterprises that their contacts may follow: every verified
        item of theirs (a public-form concern counts once staff matched it)."""
        return self.filter(enterprise_id__in=list(enterprise_ids), verified=True)

    def undecided(self):
        """Still waiting for staff: neither decided nor settled, dropped or on an agenda."""
        return self.filter(status__in=self.model.UNDECIDED)
