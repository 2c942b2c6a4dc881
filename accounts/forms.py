"""Forms of the account pages: a code from the app, a recovery code, a new API token's name."""

from __future__ import annotations

from django import forms


class CodeForm(forms.Form):
    code = forms.CharField(
        label="6-digit code",
        help_text="The number your authenticator app shows now, for example 123 456.",
        max_length=12,
        error_messages={"required": "Enter the 6-digit code from your app."},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 8}
        ),
    )


class RecoveryCodeForm(forms.Form):
    code = forms.CharField(
        label="Recovery code",
        help_text="One of the codes you saved when you set up two-step sign-in, for example "
        "abcde-23456. Each code works once.",
        max_length=24,
        error_messages={"required": "Enter one of your recovery codes."},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="What is the token for?",
        help_text="A name you will recognise, for example “GP system export”. Use one token for "
        "each program or integration, so you can revoke one without stopping the others.",
        max_length=64,
        error_messages={
            "required": "Give the token a name, for example “GP system export”.",
            "max_length": "Use 64 characters or fewer.",
        },
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
