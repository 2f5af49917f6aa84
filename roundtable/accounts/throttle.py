"""Throttles kept as counters in the cache: the coarse sign-in limits beside django-axes, and
the password-reset limits.

django-axes locks a *username tried from an address* (AXES_LOCKOUT_PARAMETERS), so that one
person's typos from an office behind one NAT address do not pause everybody in the building.
Two coarser limits here catch what that lets through: many usernames guessed from one address
(SIGN_IN_FAILURES_PER_ADDRESS, much higher than axes' limit) and one username guessed from many
addresses (SIGN_IN_FAILURES_PER_USERNAME). Each counts failures in a window of
AXES_COOLOFF_MINUTES that starts with the first one; a success does not reset them.

Counters key on what was *typed* (hashed), whether or not an account has it, so a throttle
says nothing about which accounts exist. A cache that fails (Redis down) lets the request
through and logs it: django-axes (in the database) still locks a username from an address.
"""

import hashlib
import logging
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)


def _key(name: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().casefold().encode()).hexdigest()[:32]
    return f"throttle:{name}:{digest}"


def _count(name: str, value: str) -> int:
    try:
        return int(cache.get(_key(name, value)) or 0)
    except Exception:
        logger.warning("throttle cache unavailable; %s not checked", name, exc_info=True)
        return 0


def _hit(name: str, value: str, *, window: int) -> int:
    """Count one more event in ``value``'s window (started by its first event)."""
    key = _key(name, value)
    try:
        cache.add(key, 0, timeout=window)
        try:
            return int(cache.incr(key))
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=window)
            return 1
    except Exception:
        logger.warning("throttle cache unavailable; %s not counted", name, exc_info=True)
        return 0


def sign_in_window() -> timedelta:
    return timedelta(minutes=settings.AXES_COOLOFF_MINUTES)


def sign_in_blocked(*, address: str, username: str) -> bool:
    """Whether sign-in is refused before the password is checked: the address or the
    username has reached its coarse limit of failures."""
    per_address = settings.SIGN_IN_FAILURES_PER_ADDRESS
    per_username = settings.SIGN_IN_FAILURES_PER_USERNAME
    if per_address and address and _count("signin-address", address) >= per_address:
        return True
    return bool(per_username and username and _count("signin-user", username) >= per_username)


def sign_in_failed(*, address: str, username: str) -> None:
    window = int(sign_in_window().total_seconds())
    if address:
        _hit("signin-address", address, window=window)
    if username:
        _hit("signin-user", username, window=window)


def sign_in_cleared(*, username: str) -> None:
    """Forget the username's failures (its owner has just proved who they are by e-mail)."""
    try:
        cache.delete(_key("signin-user", username))
    except Exception:
        logger.warning("throttle cache unavailable", exc_info=True)


def password_reset_allowed(*, address: str, email: str) -> bool:
    """Count a password-reset request and say whether it is within both hourly limits:
    PASSWORD_RESET_PER_ADDRESS requests from an address and PASSWORD_RESET_PER_EMAIL for one
    e-mail address (existing or not)."""
    by_address = _hit("reset-address", address or "-", window=3600)
    by_email = _hit("reset-email", email, window=3600)
    return (
        by_address <= settings.PASSWORD_RESET_PER_ADDRESS
        and by_email <= settings.PASSWORD_RESET_PER_EMAIL
    )


def concern_form_address_allowed(*, address: str) -> bool:
    """Count a POST of the public concern form from ``address`` and say whether it is
    within CONCERN_FORM_PER_ADDRESS an hour (every POST counts, valid or not)."""
    return _hit("concern-address", address or "-", window=3600) <= settings.CONCERN_FORM_PER_ADDRESS


def concern_form_email_allowed(*, email: str) -> bool:
    """Count a concern about to be sent for ``email`` and say whether it is within
    CONCERN_FORM_PER_EMAIL an hour."""
    return _hit("concern-email", email or "-", window=3600) <= settings.CONCERN_FORM_PER_EMAIL
