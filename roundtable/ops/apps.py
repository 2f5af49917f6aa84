from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Operations: health and readiness checks, the 500 page, back-up and restore."""

    name = "roundtable.ops"
    label = "ops"
    verbose_name = _("Operations")
