"""What the enterprise side says about notices: the kinds and the languages as a contact
reads them. Kept apart from the staff modules so that tests/portal/test_portal_translations.py
holds them to complete Japanese and Korean catalogs (it lists this file)."""

from django.utils.translation import gettext_lazy as _

from roundtable.notices.models import CHINESE, ENGLISH, JAPANESE, KOREAN

KINDS = {
    "policy": _("Policy interpretation"),
    "incentive": _("Incentive"),
    "event": _("Event"),
}
LANGUAGE_NAMES = {
    CHINESE: _("Chinese"),
    ENGLISH: _("English"),
    JAPANESE: _("Japanese"),
    KOREAN: _("Korean"),
}


def kind(value: str) -> str:
    return str(KINDS.get(value, value))
