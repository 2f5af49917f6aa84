"""What enterprise contacts do on their side of the portal. Each function takes the acting
contact, checks the rule, writes inside ``transaction.atomic`` and records who did it."""

from django.db import transaction

from roundtable.accounts import services as account_services
from roundtable.accounts.models import Language, User


def contact_welcome(*, user: User, new_password: str, language: str) -> None:
    """An invited contact sets their password (the caller checked the invitation's token,
    which this makes useless) and their language."""
    if language not in Language.values:
        raise ValueError(f"unknown language {language!r}")
    with transaction.atomic():
        if user.preferred_language != language:
            user.preferred_language = language
            user.save(update_fields=["preferred_language"])
        account_services.password_set_by_link(user=user, new_password=new_password, invitation=True)
