from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _


class UsernameLengthMixin:
    """Django's sign-in form sets the username's max_length after the field is built, so the
    length is never checked: a 5,000-character username reached authenticate(), and axes'
    log of the failure (a 255-character column) raised DataError on PostgreSQL."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))


class LoginForm(UsernameLengthMixin, AuthenticationForm):
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


class AdminLoginForm(UsernameLengthMixin, AdminAuthenticationForm):
    """The admin's sign-in form (roundtable/urls.py)."""
