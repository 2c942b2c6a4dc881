"""Forms of the account pages: signing in, a code from the app, a recovery code, a new API
token's name, the language of the pages, the password reset whose email goes in the owner's
language, and the new password it leads to. Every message names its field as the page labels
it (``LabelledMessages``)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ssm_outcomes.forms import LabelledMessages
from ssm_outcomes.languages import LanguageRadioSelect, chosen_language, languages_offered


class SignInForm(AuthenticationForm):
    """Django's sign-in, saying which box was left empty (Django's own form refuses it with a
    message the page never showed)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = _("Type your username.")
        self.fields["password"].error_messages["required"] = _("Type your password.")


class CodeForm(LabelledMessages, forms.Form):
    code = forms.CharField(
        label=_("6-digit code"),
        help_text=_("The number your authenticator app shows now, for example 123 456."),
        max_length=12,
        error_messages={"required": _("Enter the 6-digit code from your app.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 8}
        ),
    )


class RecoveryCodeForm(LabelledMessages, forms.Form):
    code = forms.CharField(
        label=_("Recovery code"),
        help_text=_(
            "One of the codes you saved when you set up two-step sign-in, for example "
            "abcde-23456. Each code works once."
        ),
        max_length=24,
        error_messages={"required": _("Enter one of your recovery codes.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )


class ApiTokenForm(LabelledMessages, forms.Form):
    name = forms.CharField(
        label=_("What is the token for?"),
        help_text=_(
            "A name you will recognise, for example “GP system export”. Use one token for "
            "each program or integration, so you can revoke one without stopping the others."
        ),
        max_length=64,
        error_messages={
            "required": _("Give the token a name, for example “GP system export”."),
        },
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class LanguageForm(LabelledMessages, forms.Form):
    """The language of a staff member's pages and emails; empty follows the browser."""

    language = forms.ChoiceField(
        label=_("Language"),
        help_text=_("The language of your pages and of the emails we send you."),
        required=False,
        widget=LanguageRadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Each language is named in its own words, so whoever reads it can find their own.
        self.fields["language"].choices = [
            ("", _("Your browser's language")),
            *languages_offered(),
        ]


class LanguagePasswordResetForm(LabelledMessages, PasswordResetForm):
    """Django's password reset, its email written in the account's language; without one, in
    the language of the page the reset was asked for on (whoever asked is reading it)."""

    email = forms.EmailField(
        label=_("Your email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        language = chosen_language(context.get("user")) or translation.get_language()
        with translation.override(language):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)


class NewPasswordForm(LabelledMessages, SetPasswordForm):
    """The new password a reset link leads to, worded as the welcome page words the first one
    (Django's own labels and help are formal in Dutch); a password too weak is said beside the
    first box, where it was typed."""

    error_messages = {
        "password_mismatch": _("The two passwords are not the same. Type them again."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        first, again = self.fields["new_password1"], self.fields["new_password2"]
        first.label = _("Choose a password")
        first.help_text = _(
            "At least 12 letters, numbers or signs. A few words you will remember is good."
        )
        first.error_messages["required"] = _("Choose a password.")
        again.label = _("Type the password again")
        again.help_text = ""
        again.error_messages["required"] = _("Type the password again.")

    def clean(self):
        self.validate_passwords("new_password1", "new_password2")
        self.validate_password_for_user(self.user, "new_password1")
        return forms.Form.clean(self)
