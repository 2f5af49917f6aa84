from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "roundtable.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from roundtable.accounts import emails
        from roundtable.lib import outbox

        outbox.register(
            emails.PASSWORD_RESET,
            label=emails.LABELS[emails.PASSWORD_RESET],
            build=emails.password_reset_message,
        )
        outbox.register(
            emails.INVITATION,
            label=emails.LABELS[emails.INVITATION],
            build=emails.invitation_message,
        )
