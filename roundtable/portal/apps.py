from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The enterprises' own side of the portal (/portal/): enterprise contacts follow their
    enterprise's issues, add information, confirm conclusions and register for roundtables."""

    name = "roundtable.portal"
    label = "portal"
    verbose_name = _("Enterprise side")
