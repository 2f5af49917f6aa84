from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from departments.models import Department, DepartmentMembership
from roundtable.accounts.models import Language, Role
from roundtable.lib.forms import ModelChoiceField


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


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """The current password, and the new one twice (Django's validators)."""


class SetPasswordForm(auth_forms.SetPasswordForm):
    """A new password, twice, from a reset link or an invitation."""


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "text",
                "autocapitalize": "none",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
        help_text=_("The six digits your authenticator app shows, or one of your backup codes."),
    )


class EnrolCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=10,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class ConfirmPasswordForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("The password is not correct."))
        return password


# --- Administration of users ---------------------------------------------------------------


class UserForm(forms.Form):
    """A user's details and portal-wide roles, as an administrator enters them."""

    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=_("Letters, digits and @ . + - _ only. Used to sign in."),
    )
    full_name = forms.CharField(label=_("Full name"), max_length=100)
    email = forms.EmailField(label=_("E-mail address"), max_length=254, required=False)
    title = forms.CharField(label=_("Job title"), max_length=100, required=False)
    office_phone = forms.CharField(label=_("Office phone"), max_length=40, required=False)
    mobile = forms.CharField(label=_("Mobile"), max_length=40, required=False)
    preferred_language = forms.ChoiceField(
        label=_("Language of pages and e-mails"), choices=Language.choices
    )
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Department heads and liaisons are not roles here: add the person to a department."
        ),
    )
    invite = forms.BooleanField(
        label=_("E-mail an invitation to set a password"), required=False, initial=True
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["username"]
            del self.fields["invite"]

    def clean(self):
        data = super().clean()
        if data.get("invite") and not data.get("email"):
            self.add_error("email", _("An invitation needs an e-mail address."))
        return data


class MembershipForm(forms.Form):
    department = ModelChoiceField(label=_("Department"), queryset=Department.objects.active())
    role = forms.ChoiceField(label=_("Role"), choices=DepartmentMembership.Role.choices)
    started_on = forms.DateField(
        label=_("Since"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    ended_on = forms.DateField(
        label=_("Until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Leave empty while the person holds the seat."),
    )


class MembershipEndForm(forms.Form):
    ended_on = forms.DateField(
        label=_("Last day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class UserFilterForm(forms.Form):
    q = forms.CharField(label=_("Name, username or e-mail"), max_length=100, required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Active")), ("inactive", _("Deactivated")), ("all", _("All"))],
    )
    role = forms.ChoiceField(
        label=_("Role"),
        required=False,
        choices=[
            ("", "—"),
            *Role.choices,
            ("head", _("Department head")),
            ("liaison", _("Liaison")),
        ],
    )


class ApiTokenForm(forms.Form):
    """A new personal API token: what uses it, and what it may do."""

    name = forms.CharField(label=_("Token name"), max_length=100)
    scope = forms.ChoiceField(
        label=_("It may"),
        choices=[
            ("read", _("Read only")),
            ("write", _("Read and write")),
        ],
        initial="read",
        widget=forms.RadioSelect,
    )
    last_day = forms.DateField(
        label=_("Last day it works (optional)"),
        required=False,
        help_text=_("Beijing time. Left empty, the token works until you revoke it."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean_last_day(self):
        day = self.cleaned_data.get("last_day")
        if day is not None and day < timezone.localdate():
            raise forms.ValidationError(_("The last day of the token cannot be in the past."))
        if day is not None and day.year > 2100:
            raise forms.ValidationError(_("Choose a last day before 2100."))
        return day
