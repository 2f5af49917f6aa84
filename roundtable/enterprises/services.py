"""Enterprises, their contacts and their designated officials. Views change them only here.

Each function takes the acting user, checks the rule (``PermissionDenied``, or
``EnterpriseRefused`` with a message fit for the user), writes inside ``transaction.atomic``
and leaves a history row naming the actor and the reason.

Credit codes are normalised once (``roundtable.lib.uscc.normalize``: spaces dropped,
full-width folded, upper-cased) before they are checked and stored, so that ``９１５…`` and
``915…`` are the same code and the second is refused as a duplicate.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from roundtable.accounts.models import User
from roundtable.enterprises import access
from roundtable.enterprises.models import Association, Enterprise, EnterpriseContact
from roundtable.lib.uscc import normalize, validate_uscc

EDITABLE_FIELDS = (
    "name_zh",
    "name_en",
    "credit_code",
    "country",
    "industry",
    "business_field",
    "address",
    "size",
    "designated_official",
    "service_contact",
    "visit_interval_days",
    "is_active",
)
CONTACT_FIELDS = ("name", "title", "phone", "email", "preferred_language", "is_primary")


class EnterpriseRefused(Exception):
    """The change breaks a rule. ``field`` names the form field to attach the message to
    (or None); ``existing`` is the enterprise that already holds the code or name."""

    def __init__(self, message: str, *, field: str | None = None, existing=None):
        super().__init__(message)
        self.field = field
        self.existing = existing


def clean_name(name: str) -> str:
    """Surrounding spaces dropped and inner runs of spaces made one."""
    return " ".join((name or "").split())


def _name_variants(name: str) -> set[str]:
    """The ways one Chinese company name is typed: with full-width （） as registered, or
    with ASCII () from an English keyboard. Both mean the same enterprise."""
    ascii_parens = name.replace("（", "(").replace("）", ")")
    full_width = name.replace("(", "（").replace(")", "）")
    return {name, ascii_parens, full_width}


def _check_duplicates(*, credit_code: str, name_zh: str, exclude_pk: int | None) -> None:
    others = Enterprise.objects.all()
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    same_code = others.filter(credit_code=credit_code).first()
    if same_code is not None:
        raise EnterpriseRefused(
            _("The credit code %(code)s is already registered to %(name)s.")
            % {"code": credit_code, "name": same_code.name},
            field="credit_code",
            existing=same_code,
        )
    same_name = others.filter(name_zh__in=_name_variants(name_zh)).first()
    if same_name is not None:
        raise EnterpriseRefused(
            _("An enterprise named %(name)s is already registered (credit code %(code)s).")
            % {"name": same_name.name_zh, "code": same_name.credit_code},
            field="name_zh",
            existing=same_name,
        )


def _normalised(fields: dict) -> dict:
    if "credit_code" in fields:
        fields["credit_code"] = normalize(fields["credit_code"])
        try:
            validate_uscc(fields["credit_code"])
        except ValidationError as exc:
            raise EnterpriseRefused(exc.messages[0], field="credit_code") from None
    for name in ("name_zh", "name_en"):
        if name in fields:
            fields[name] = clean_name(fields[name])
    if "name_zh" in fields and not fields["name_zh"]:
        raise EnterpriseRefused(
            _("Give the enterprise's registered Chinese name."), field="name_zh"
        )
    if "visit_interval_days" in fields:
        days = fields["visit_interval_days"]
        if days is None or not 7 <= days <= 730:
            raise EnterpriseRefused(
                _("Visit every 7 to 730 days."),
                field="visit_interval_days",
            )
    return fields


def _save(enterprise: Enterprise, actor: User, reason: str) -> None:
    enterprise._history_user = actor
    enterprise._change_reason = reason[:100]
    try:
        with transaction.atomic():
            enterprise.save()
    except IntegrityError:
        # Two people registering the same code or name at the same moment: the unique
        # constraints decide, and the loser gets the same message as a plain duplicate.
        _check_duplicates(
            credit_code=enterprise.credit_code, name_zh=enterprise.name_zh, exclude_pk=enterprise.pk
        )
        raise


def enterprise_create(
    *,
    actor: User,
    name_zh: str,
    credit_code: str,
    country: str,
    name_en: str = "",
    industry: str = "",
    business_field: str = "",
    address: str = "",
    size: str = "",
    designated_official: User | None = None,
    service_contact: User | None = None,
    visit_interval_days: int = 90,
    is_active: bool = True,
    associations: Iterable[Association] = (),
) -> Enterprise:
    """Register an enterprise. Refuses a bad credit code and a duplicate code or Chinese
    name (with either kind of parentheses), naming the enterprise that already has it."""
    access.check(access.can_edit(actor))
    fields = _normalised(
        {
            "name_zh": name_zh,
            "name_en": name_en,
            "credit_code": credit_code,
            "country": country,
            "industry": (industry or "").strip(),
            "business_field": (business_field or "").strip(),
            "address": (address or "").strip(),
            "size": size or "",
            "designated_official": designated_official,
            "service_contact": service_contact,
            "visit_interval_days": visit_interval_days,
            "is_active": is_active,
        }
    )
    with transaction.atomic():
        _check_duplicates(
            credit_code=fields["credit_code"], name_zh=fields["name_zh"], exclude_pk=None
        )
        enterprise = Enterprise(**fields)
        _save(enterprise, actor, "registered")
        _set_associations(enterprise, associations, actor)
    return enterprise


def enterprise_update(*, actor: User, enterprise: Enterprise, **changes) -> Enterprise:
    """Change an enterprise's facts (``EDITABLE_FIELDS``, and ``associations``). The same
    checks as on creation; the history row lists the fields that changed."""
    access.check(access.can_edit(actor, enterprise))
    associations = changes.pop("associations", None)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    changes = _normalised(changes)
    with transaction.atomic():
        current = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
        _check_duplicates(
            credit_code=changes.get("credit_code", current.credit_code),
            name_zh=changes.get("name_zh", current.name_zh),
            exclude_pk=current.pk,
        )
        changed = [name for name, value in changes.items() if getattr(current, name) != value]
        for name in changed:
            setattr(current, name, changes[name])
        if changed:
            _save(current, actor, "edited: " + ", ".join(changed))
        if associations is not None:
            _set_associations(current, associations, actor)
    return current


def _set_associations(enterprise: Enterprise, associations, actor: User) -> None:
    wanted = {a.pk for a in associations}
    current = set(enterprise.associations.values_list("pk", flat=True))
    # Membership is stored on the association (its m2m is audited there): change it from
    # that side so that each association's history names the actor.
    for association in Association.objects.filter(pk__in=wanted ^ current):
        association._history_user = actor
        association._change_reason = "members changed"
        if association.pk in wanted:
            association.enterprises.add(enterprise)
        else:
            association.enterprises.remove(enterprise)


def enterprise_reassign_official(
    *, actor: User, enterprises: Iterable[Enterprise], official: User | None
) -> int:
    """Move enterprises to another designated official (or to none). Returns how many
    changed; each keeps a history row naming the actor."""
    access.check(access.can_reassign(actor))
    if official is not None and not official.is_active:
        raise EnterpriseRefused(_("%(name)s's account is not active.") % {"name": official})
    ids = [e.pk for e in enterprises]
    changed = 0
    with transaction.atomic():
        for enterprise in Enterprise.objects.select_for_update().filter(pk__in=ids):
            if enterprise.designated_official_id == (official.pk if official else None):
                continue
            enterprise.designated_official = official
            enterprise._history_user = actor
            enterprise._change_reason = "designated official reassigned"
            enterprise.save(update_fields=["designated_official"])
            changed += 1
    return changed


def contact_save(
    *, actor: User, enterprise: Enterprise, contact: EnterpriseContact | None = None, **fields
) -> EnterpriseContact:
    """Add a contact to ``enterprise`` or change one of its contacts. Marking a contact
    primary makes the enterprise's other contacts non-primary."""
    access.check(access.can_edit(actor, enterprise))
    unknown = set(fields) - set(CONTACT_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    fields["name"] = clean_name(fields.get("name", contact.name if contact else ""))
    if not fields["name"]:
        raise EnterpriseRefused(_("Give the contact's name."), field="name")
    with transaction.atomic():
        if contact is None:
            contact = EnterpriseContact(enterprise=enterprise)
            reason = "contact added"
        else:
            if contact.enterprise_id != enterprise.pk:
                raise ValueError("contact of another enterprise")
            reason = "contact edited"
        for name, value in fields.items():
            setattr(contact, name, value)
        contact._history_user = actor
        contact._change_reason = reason
        contact.save()
        if contact.is_primary:
            for other in enterprise.contacts.filter(is_primary=True).exclude(pk=contact.pk):
                other.is_primary = False
                other._history_user = actor
                other._change_reason = "another contact made primary"
                other.save(update_fields=["is_primary"])
    return contact


def _contact_account(contact: EnterpriseContact) -> User:
    """The portal account for ``contact``: theirs already, or the contact account with the
    same e-mail address (one person representing several enterprises has one account), or
    a new one (no usable password until the invitation's link is used). An address that
    belongs to a staff account is refused: staff and contacts never share an account."""
    if contact.user_id is not None:
        return contact.user
    email = contact.email.strip()
    existing = User.objects.filter(email__iexact=email).order_by("pk")
    for user in existing:
        if user.is_enterprise_contact:
            return user
    if existing.exists() or User.objects.filter(username__iexact=email).exists():
        raise EnterpriseRefused(
            _("This e-mail address belongs to a staff account. Give the contact their own."),
            field="email",
        )
    user = User(
        username=email.lower(),
        email=email,
        full_name=contact.name,
        preferred_language=contact.preferred_language,
        is_enterprise_contact=True,
    )
    user.set_unusable_password()
    user._change_reason = "enterprise contact account created"
    user.save()
    return user


def contact_invite(*, actor: User, contact: EnterpriseContact) -> User:
    """Invite ``contact`` to the enterprise side of the portal (/portal/): their account is
    made or found (``_contact_account``), the link between them and the enterprise stands
    again if it had ended, and an invitation is queued through the outbox, in the contact's
    language, with a link to set their password and language (works once, for
    INVITATION_TIMEOUT). Commerce staff or the enterprise's designated official."""
    from django.utils import timezone

    from roundtable.enterprises.emails import CONTACT_INVITATION
    from roundtable.lib import outbox

    enterprise = contact.enterprise
    access.check(access.can_invite(actor, enterprise))
    if not contact.email.strip():
        raise EnterpriseRefused(_("The contact has no e-mail address to send the invitation to."))
    with transaction.atomic():
        contact = EnterpriseContact.objects.select_for_update().get(pk=contact.pk)
        user = _contact_account(contact)
        if not user.is_active:
            raise EnterpriseRefused(_("The contact's account is deactivated."))
        if (
            EnterpriseContact.objects.filter(enterprise=enterprise, user=user)
            .exclude(pk=contact.pk)
            .exists()
        ):
            raise EnterpriseRefused(_("This person is already a contact of this enterprise."))
        contact.user = user
        contact.ended_on = None
        contact.invited_at = timezone.now()
        contact._history_user = actor
        contact._change_reason = "invited to the enterprise portal"
        contact.save(update_fields=["user", "ended_on", "invited_at"])
        outbox.queue(kind=CONTACT_INVITATION, recipient_id=user.pk)
    return user


def contact_end_access(*, actor: User, contact: EnterpriseContact, ended_on=None) -> None:
    """End ``contact``'s link to the enterprise (today unless ``ended_on``): from that day
    they no longer see the enterprise on the portal. Their account stays, for their other
    enterprises."""
    from django.utils import timezone

    access.check(access.can_invite(actor, contact.enterprise))
    with transaction.atomic():
        contact.ended_on = ended_on or timezone.localdate()
        contact._history_user = actor
        contact._change_reason = "portal access ended"
        contact.save(update_fields=["ended_on"])
