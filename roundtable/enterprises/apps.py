from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    name = "roundtable.enterprises"
    label = "enterprises"
    verbose_name = _("Enterprises")

    def ready(self):
        from roundtable.enterprises import emails
        from roundtable.lib import outbox

        outbox.register(
            emails.CONTACT_INVITATION,
            label=emails.LABELS[emails.CONTACT_INVITATION],
            build=emails.contact_invitation_message,
        )
