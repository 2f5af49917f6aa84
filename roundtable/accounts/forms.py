from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    # One message whether the username exists or not, so that the form tells nobody which
    # accounts exist.
    error_messages = {
        "invalid_login": _("The username or password is not correct."),
        "inactive": _("The username or password is not correct."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].widget.attrs.update(
            {"autocapitalize": "none", "autocorrect": "off", "spellcheck": "false"}
        )
