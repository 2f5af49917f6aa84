from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "roundtable.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from roundtable.accounts import emails
        from roundtable.lib import outbox

        # Django's receiver saves the whole user at each sign-in, which would add a row to
        # the user's history every time; this one writes only last_login (same dispatch_uid,
        # so it replaces Django's).
        user_logged_in.disconnect(dispatch_uid="update_last_login")
        user_logged_in.connect(_update_last_login, dispatch_uid="update_last_login")

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


def _update_last_login(sender, user, **kwargs):
    from django.utils import timezone

    user.last_login = timezone.now()
    type(user).objects.filter(pk=user.pk).update(last_login=user.last_login)
