from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "roundtable.api"
    label = "api"
    verbose_name = _("REST API")

    def ready(self):
        # The OpenAPI description of the token authentication (drf-spectacular extension).
        from roundtable.api import schema  # noqa: F401
