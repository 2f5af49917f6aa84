"""Accounts: passwords, the links that set them, users with their roles and departments, and
the second factor. Views change accounts only here.

Each function takes the acting user (for a person's own account, that person), checks the
rule (``PermissionDenied``, or ``AccountRefused`` with a message fit for the user), writes
inside ``transaction.atomic`` and leaves a history row on the user naming the actor and the
reason (``User.history``, roles included; department memberships keep their own history).

E-mail goes through the outbox (``roundtable/lib/outbox.py``): a row written in the same
transaction and sent by the worker, so no request waits for the mail server or the broker.
"""

from collections.abc import Iterable
from datetime import date

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp import verify_token as otp_verify_token
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from departments.models import Department, DepartmentMembership
from roundtable.accounts import emails, roles, throttle
from roundtable.accounts.models import Role, User
from roundtable.accounts.sessions import sessions_end
from roundtable.lib import outbox, params

BACKUP_CODES = 10
PROFILE_FIELDS = ("full_name", "email", "title", "office_phone", "mobile", "preferred_language")


class AccountRefused(Exception):
    """The change breaks a rule; ``field`` names the form field the message belongs to."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


def _require_administrator(actor: User) -> None:
    if not roles.is_administrator(actor):
        raise PermissionDenied


def _save(user: User, *, actor: User | None, reason: str) -> None:
    """Save ``user`` with one history row naming ``actor`` and ``reason`` (a short English
    code that ``accounts/history.py`` translates)."""
    user._history_user = actor
    user._change_reason = reason[:100]
    user.save()


def _set_roles(user: User, names: Iterable[str]) -> None:
    """Set the portal-wide roles (auth groups). No history row of its own: the caller's
    ``_save`` records the user with the new roles. The Django admin is for administrators,
    so ``is_staff`` follows the administrator role (superusers keep theirs)."""
    names = set(names)
    unknown = names - set(Role.values)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")
    user.skip_history_when_saving = True
    try:
        user.groups.set(Group.objects.filter(name__in=names))
    finally:
        del user.skip_history_when_saving
    user.is_staff = user.is_superuser or Role.ADMINISTRATOR in names
    user._role_groups = frozenset(names)


def roles_of(user: User) -> set[str]:
    return set(user.groups.filter(name__in=Role.values).values_list("name", flat=True))


# --- Preferences ---------------------------------------------------------------------------


def set_compact_lists(*, user: User, compact: bool) -> None:
    """Show ``user``'s lists (the ledger, My department, meetings) in compact rows or not. A
    reader's preference, not an account change: no history row (the field is excluded from
    the user's history) and no ``updated`` signal."""
    User.objects.filter(pk=user.pk).update(compact_lists=compact)
    user.compact_lists = compact


# --- Passwords -----------------------------------------------------------------------------


def password_change(*, user: User, new_password: str, keep_session: str | None) -> None:
    """Set ``user``'s own new password and end every other session of theirs. The caller has
    checked the current password and Django's validators (the form), and keeps its own
    session signed in (``update_session_auth_hash``)."""
    with transaction.atomic():
        user.set_password(new_password)
        _save(user, actor=user, reason="password changed")
        sessions_end(user_id=user.pk, keep=keep_session)


def password_reset_request(*, email: str) -> int:
    """Queue a reset link to each active user with this e-mail address (in any case); an
    unknown address queues nothing. The count is for tests and logs: a page must say the
    same whatever it is. The caller has applied the throttles."""
    email = (email or "").strip()
    if not email:
        return 0
    with transaction.atomic():
        ids = list(
            User.objects.filter(email__iexact=email, is_active=True).values_list("pk", flat=True)
        )
        for pk in ids:
            outbox.queue(kind=emails.PASSWORD_RESET, recipient_id=pk)
    return len(ids)


def password_set_by_link(*, user: User, new_password: str, invitation: bool) -> None:
    """Set the password of the user a reset link or an invitation was for. The caller has
    checked the link's token, which this makes useless (the password hash is part of it).
    Every session of the user ends, and the sign-in locks on their username are lifted: the
    link proved they hold the mailbox."""
    if not user.is_active:
        raise PermissionDenied
    with transaction.atomic():
        user.set_password(new_password)
        _save(
            user,
            actor=user,
            reason="invitation accepted" if invitation else "password reset by link",
        )
        sessions_end(user_id=user.pk)
        _lift_sign_in_locks(user.get_username())


def _lift_sign_in_locks(username: str) -> None:
    from axes.utils import reset

    reset(username=username)
    throttle.sign_in_cleared(username=username)


# --- Users (administrators) ----------------------------------------------------------------


def _check_username(username: str, *, exclude_pk: int | None = None) -> str:
    username = (username or "").strip()
    if not username:
        raise AccountRefused(_("Give a username."), field="username")
    clash = User.objects.filter(username__iexact=username)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise AccountRefused(_("This username is already taken."), field="username")
    return username


def user_create(
    *,
    actor: User,
    username: str,
    email: str,
    full_name: str = "",
    title: str = "",
    office_phone: str = "",
    mobile: str = "",
    preferred_language: str = "zh-hans",
    role_names: Iterable[str] = (),
    invite: bool = True,
) -> User:
    """Create a user with no password: they set their own through the invitation link
    (queued here when ``invite``; ``user_invite`` sends another later)."""
    _require_administrator(actor)
    username = _check_username(username)
    if invite and not (email or "").strip():
        raise AccountRefused(_("An invitation needs an e-mail address."), field="email")
    user = User(
        username=username,
        email=(email or "").strip(),
        full_name=(full_name or "").strip(),
        title=(title or "").strip(),
        office_phone=(office_phone or "").strip(),
        mobile=(mobile or "").strip(),
        preferred_language=preferred_language,
    )
    user.set_unusable_password()
    try:
        with transaction.atomic():
            _save(user, actor=actor, reason="created")
            names = set(role_names)
            if names:
                _set_roles(user, names)
            if invite:
                outbox.queue(kind=emails.INVITATION, recipient_id=user.pk)
            if names or invite:
                done = (["roles set"] if names else []) + (["invitation sent"] if invite else [])
                _save(user, actor=actor, reason=", ".join(done))
    except IntegrityError:
        _check_username(username)  # two administrators creating the same name at once
        raise
    return user


def user_update(
    *, actor: User, user: User, role_names: Iterable[str] | None = None, **changes
) -> User:
    """Change a user's details (``PROFILE_FIELDS``) and, when given, their roles. One history
    row lists what changed; nothing changed writes nothing. An administrator cannot take
    away their own administrator role (someone must be left to give it back)."""
    _require_administrator(actor)
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    with transaction.atomic():
        current = User.objects.select_for_update().get(pk=user.pk)
        changed = []
        for name, value in changes.items():
            value = (value or "").strip() if isinstance(value, str) else value
            if getattr(current, name) != value:
                setattr(current, name, value)
                changed.append(name)
        if role_names is not None:
            names = set(role_names)
            before = roles_of(current)
            if current.pk == actor.pk and Role.ADMINISTRATOR in before - names:
                raise AccountRefused(
                    _("You cannot take away your own administrator role."), field="roles"
                )
            if names != before:
                _set_roles(current, names)
                changed.append("roles")
        if changed:
            _save(current, actor=actor, reason="edited: " + ", ".join(changed))
    return current


def user_deactivate(*, actor: User, user: User) -> None:
    """Deactivate ``user``: they cannot sign in, and every session of theirs ends now (their
    next request is sent to the sign-in page). Not one's own account."""
    _require_administrator(actor)
    if user.pk == actor.pk:
        raise AccountRefused(_("You cannot deactivate your own account."))
    with transaction.atomic():
        current = User.objects.select_for_update().get(pk=user.pk)
        if current.is_active:
            current.is_active = False
            _save(current, actor=actor, reason="deactivated")
        sessions_end(user_id=current.pk)


def user_reactivate(*, actor: User, user: User) -> None:
    _require_administrator(actor)
    with transaction.atomic():
        current = User.objects.select_for_update().get(pk=user.pk)
        if not current.is_active:
            current.is_active = True
            _save(current, actor=actor, reason="reactivated")


def user_invite(*, actor: User, user: User) -> None:
    """Send ``user`` a link to set their own password (through the outbox). Earlier links
    keep working until one of them is used or they expire."""
    _require_administrator(actor)
    if not user.is_active:
        raise AccountRefused(_("Reactivate the account before inviting its user."))
    if not user.email:
        raise AccountRefused(_("The account has no e-mail address to send the invitation to."))
    with transaction.atomic():
        outbox.queue(kind=emails.INVITATION, recipient_id=user.pk)
        _save(user, actor=actor, reason="invitation sent")


def membership_add(
    *,
    actor: User,
    user: User,
    department: Department,
    role: str,
    started_on: date,
    ended_on: date | None = None,
) -> DepartmentMembership:
    """Make ``user`` a head or liaison of ``department`` from ``started_on`` (to
    ``ended_on``, or open-ended). One open membership per department and role."""
    _require_administrator(actor)
    if role not in DepartmentMembership.Role.values:
        raise AccountRefused(_("Choose head or liaison."), field="role")
    if ended_on is not None and ended_on < started_on:
        raise AccountRefused(_("The end date is before the start date."), field="ended_on")
    open_already = DepartmentMembership.objects.filter(
        user=user, department=department, role=role, ended_on__isnull=True
    )
    if ended_on is None and open_already.exists():
        raise AccountRefused(
            _("This person already holds that seat in that department."), field="department"
        )
    membership = DepartmentMembership(
        user=user, department=department, role=role, started_on=started_on, ended_on=ended_on
    )
    membership._history_user = actor
    membership._change_reason = "added"
    try:
        with transaction.atomic():
            membership.save()
    except IntegrityError as exc:
        raise AccountRefused(
            _("This person already holds that seat in that department."), field="department"
        ) from exc
    return membership


def membership_end(*, actor: User, membership: DepartmentMembership, ended_on: date) -> None:
    """End a membership on ``ended_on`` (the last day it counts)."""
    _require_administrator(actor)
    if ended_on < membership.started_on:
        raise AccountRefused(_("The end date is before the start date."), field="ended_on")
    with transaction.atomic():
        current = DepartmentMembership.objects.select_for_update().get(pk=membership.pk)
        current.ended_on = ended_on
        current._history_user = actor
        current._change_reason = "ended"
        current.save()


# --- Second factor (TOTP) ------------------------------------------------------------------


def second_factor_enabled(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def totp_key_new() -> str:
    """A new authenticator secret (hex), kept in the enrolling session until confirmed."""
    return default_key()


def totp_device_preview(*, user: User, key: str) -> TOTPDevice:
    """An unsaved device for ``key``: its ``config_url`` is what the QR code holds."""
    return TOTPDevice(user=user, key=key, name="authenticator", confirmed=True)


def totp_enrol(*, user: User, key: str, code: str, keep_session: str | None) -> list[str] | None:
    """Turn on the second factor with the secret ``key`` shown to the user, once a code from
    their app matches it. Returns the new backup codes (to show once), or None when the code
    is wrong. Any earlier authenticator is replaced, and every other session of the user
    ends: from now on each session has passed the second factor."""
    device = totp_device_preview(user=user, key=key)
    code = _digits(code)
    if not _is_six_digits(code):
        return None
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if not totp.verify(int(code), tolerance=device.tolerance):
        return None
    device.last_t = totp.t()  # this code cannot be used again to sign in
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        device.save()
        codes = _new_backup_codes(user)
        _save(user, actor=user, reason="second factor on")
        sessions_end(user_id=user.pk, keep=keep_session)
    user.otp_device = device
    return codes


def backup_codes_renew(*, user: User) -> list[str]:
    """New backup codes for ``user``; the old ones stop working."""
    if not second_factor_enabled(user):
        raise AccountRefused(_("Turn on the second factor first."))
    with transaction.atomic():
        codes = _new_backup_codes(user)
        _save(user, actor=user, reason="backup codes renewed")
    return codes


def _new_backup_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="backup codes", confirmed=True)
    codes = [StaticToken.random_token() for _n in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def second_factor_required(user: User) -> bool:
    """Whether REQUIRE_2FA_FOR_ADMINS applies to ``user`` (administrators and the chair's
    office)."""
    from django.conf import settings

    return bool(settings.REQUIRE_2FA_FOR_ADMINS) and (
        roles.is_administrator(user) or roles.is_chair(user)
    )


def second_factor_disable(*, user: User) -> None:
    """Turn off one's own second factor (the caller has checked the password). Refused when
    REQUIRE_2FA_FOR_ADMINS applies to the user."""
    if second_factor_required(user):
        raise AccountRefused(_("Your role requires a second factor: it cannot be turned off."))
    with transaction.atomic():
        _delete_devices(user)
        _save(user, actor=user, reason="second factor off")


def second_factor_reset(*, actor: User, user: User) -> None:
    """An administrator removes ``user``'s authenticator and backup codes (a lost phone):
    the user signs in with the password alone and may enrol again."""
    _require_administrator(actor)
    with transaction.atomic():
        _delete_devices(user)
        _save(user, actor=actor, reason="second factor reset")


def _delete_devices(user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def _digits(code: str) -> str:
    return "".join((code or "").split()).replace("-", "")


def _is_six_digits(code: str) -> bool:
    """An authenticator code: six ASCII digits ("²²²²²²" is not one)."""
    return len(code) == 6 and params.parse_int(code, min_value=0, max_value=999_999) is not None


def second_factor_verify(*, user: User, code: str):
    """The device that accepts ``code`` at sign-in, or None: six digits are an
    authenticator code, anything else a backup code (used up by this). Each device throttles
    its own failures (django-otp: 1, 2, 4… seconds)."""
    code = _digits(code)
    if not code:
        return None
    wanted = TOTPDevice if _is_six_digits(code) else StaticDevice
    if wanted is StaticDevice:
        code = code.lower()
    with transaction.atomic():
        for device in devices_for_user(user):
            if isinstance(device, wanted) and otp_verify_token(user, device.persistent_id, code):
                return device
    return None


def second_factor_throttled(user: User) -> bool:
    """Whether the user's authenticator is waiting out a delay after a wrong code."""
    return any(not d.verify_is_allowed()[0] for d in TOTPDevice.objects.filter(user=user))
