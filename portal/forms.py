"""Forms of the patient portal: plain words, one clear message next to what needs fixing, and
whatever was typed kept when something does not fit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.models import Domain, GoalReview
from assessments.selectors import personal_item_exists
from patients.invitations import login_checked
from patients.validation import (
    AGENDA_MAX,
    EMAIL_MAX,
    EXPECTED_OUTCOME_MAX,
    GOAL_MAX,
    ITEM_LABEL_MAX,
    worded,
)
from portal.points import POINTS_TO_SHARE
from ssm_outcomes.forms import LabelledMessages, PlainForm, named
from ssm_outcomes.languages import LanguageRadioSelect, languages_offered

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

SCALE = range(0, 11)
SCALE_ENDS = {
    0: gettext_lazy("As bad as it could be for me"),
    10: gettext_lazy("As good as it could be for me"),
}
SCALE_ERRORS = {
    "invalid_choice": gettext_lazy("Choose a number from 0 to 10."),
    "required": gettext_lazy("Choose a number from 0 to 10, or press Skip."),
}
RELATIONSHIP_QUESTIONS = {
    "R1": gettext_lazy("I could talk openly and honestly."),
    "R2": gettext_lazy("We talked about hard things in a helpful way."),
    "R3": gettext_lazy("I know I can get back in touch when I need to."),
    "R4": gettext_lazy("I felt listened to, valued and supported."),
}


class PortalForm(LabelledMessages, PlainForm):
    """The base of the portal's forms (see ssm_outcomes/forms.py): a message a form does not
    word itself names the field by its label and states the rule, never in Django's words."""

    def add_service_errors(self, error: ValidationError) -> None:
        """A service's refusal beside the field it names, in the page's language; a message
        that names its field (``%(field)s``) names it by the label the patient sees."""
        parts = error.error_dict if hasattr(error, "error_dict") else {None: error.error_list}
        for name, errors in parts.items():
            field = name if name in self.fields else None
            label = self.fields[field].label if field else None
            for one in errors:
                said = worded(one, _("“%(label)s”") % {"label": label} if label else None)
                self.add_error(field, said)


def _domain_choices() -> list[tuple[str, str]]:
    return list(Domain.objects.order_by("order").values_list("code", "plain_name"))


def scale_field(label: str | StrPromise, *, required: bool = False) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=[(n, str(n)) for n in SCALE],
        coerce=int,
        empty_value=None,
        required=required,
        widget=forms.RadioSelect,
        error_messages=SCALE_ERRORS,
    )


def scale_options(bound_field) -> list[dict]:
    """The 0–10 buttons of a scale question, with the words at both ends and the one chosen."""
    chosen = bound_field.value()
    chosen = "" if chosen is None else str(chosen)
    return [
        {
            "value": n,
            "id": f"{bound_field.auto_id}_{n}",
            "checked": chosen == str(n),
            "words": SCALE_ENDS.get(n, ""),
        }
        for n in SCALE
    ]


# --- What matters to me --------------------------------------------------------------------


class PicksForm(PortalForm):
    """What matters to the patient, picked from the framework and her own items before she
    shares any points: only what she picks gets a line with +/− buttons."""

    picked = forms.MultipleChoiceField(
        label=gettext_lazy("What matters to you?"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": gettext_lazy("Pick at least one thing that matters to you."),
            "invalid_choice": gettext_lazy("Pick from the list."),
        },
    )

    def __init__(self, *args, elements, **kwargs):
        super().__init__(*args, **kwargs)
        self.elements = elements
        self.fields["picked"].choices = [(e.key, e.wording) for e in elements]

    def chosen(self) -> set[str]:
        """The keys ticked, as submitted or as given initially."""
        return {str(key) for key in self["picked"].value() or ()}

    def picked_elements(self) -> list:
        """The elements picked, in the order of the list, after validation."""
        keys = set(self.cleaned_data["picked"])
        return [e for e in self.elements if e.key in keys]


class PointsForm(PortalForm):
    """How many of the 100 points go to each element and personal item that was picked."""

    def __init__(self, *args, elements, **kwargs):
        super().__init__(*args, **kwargs)
        self.elements = elements
        for element in elements:
            self.fields[self.name_of(element)] = forms.IntegerField(
                label=element.wording,
                min_value=0,
                max_value=POINTS_TO_SHARE,
                required=False,
                error_messages={
                    "invalid": gettext_lazy("Write a whole number, like 10."),
                    "min_value": gettext_lazy("Points cannot be below 0."),
                    "max_value": _("Points cannot be more than %(most)s.")
                    % {"most": POINTS_TO_SHARE},
                },
            )

    @staticmethod
    def name_of(element) -> str:
        return f"points_{element.key}"

    def typed(self) -> dict[str, int]:
        """Each key's points as typed so far, counting anything that is not a number as 0."""
        typed = {}
        for element in self.elements:
            raw = self[self.name_of(element)].value()
            try:
                typed[element.key] = max(0, int(str(raw).strip() or 0))
            except (TypeError, ValueError):
                typed[element.key] = 0
        return typed

    def points(self) -> dict[str, int]:
        """The points to save: only keys with some, after validation."""
        return {
            element.key: self.cleaned_data[self.name_of(element)]
            for element in self.elements
            if self.cleaned_data.get(self.name_of(element))
        }

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        total = sum(cleaned.get(self.name_of(e)) or 0 for e in self.elements)
        if total > POINTS_TO_SHARE:
            raise forms.ValidationError(
                _(
                    "You have shared %(total)s points. The most you can share is %(most)s. "
                    "Take away %(over)s, then save."
                )
                % {"total": total, "most": POINTS_TO_SHARE, "over": total - POINTS_TO_SHARE},
                code="too_many",
            )
        if total == 0:
            raise forms.ValidationError(
                _("Give some points to at least one thing, then save."), code="none"
            )
        return cleaned


class ItemForm(PortalForm):
    label = forms.CharField(
        label=gettext_lazy("What else matters to you?"),
        help_text=gettext_lazy(
            "Write it in your own words. For example: Playing with my grandchildren."
        ),
        max_length=ITEM_LABEL_MAX,
        error_messages={
            "required": gettext_lazy("Write what matters to you, in your own words."),
        },
    )
    domain = forms.ChoiceField(
        label=gettext_lazy("Which part of your life is it about?"),
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose the part of your life it is about.")},
    )

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.fields["domain"].choices = _domain_choices()

    def clean_label(self) -> str:
        label = self.cleaned_data["label"].strip()
        if not label:
            raise forms.ValidationError(_("Write what matters to you, in your own words."))
        if personal_item_exists(patient=self.patient, label=label):
            raise forms.ValidationError(_("This is already in your list."))
        return label


# --- How things are going, and feedback on an appointment ------------------------------------


class RatingForm(PortalForm):
    value = scale_field(gettext_lazy("How is it going for you now?"))

    def __init__(self, *args, require_answer: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["value"].required = require_answer


class FeedbackForm(PortalForm):
    """Optional answers about one appointment, on the relationship elements R1 to R4."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code, question in RELATIONSHIP_QUESTIONS.items():
            self.fields[code] = field = scale_field(question)
            # Several questions on one page: each message says which (without its full stop).
            field.error_messages["invalid_choice"] = named(
                _("For {name}, choose a number from 0 to 10."), str(question).rstrip(".")
            )

    def clean(self):
        cleaned = super().clean()
        if not self.errors and all(cleaned.get(code) is None for code in RELATIONSHIP_QUESTIONS):
            raise forms.ValidationError(
                _("Answer at least one question, or go back."), code="empty"
            )
        return cleaned

    def answers(self) -> dict[str, int | None]:
        return {code: self.cleaned_data.get(code) for code in RELATIONSHIP_QUESTIONS}


# --- Questionnaires from the care team ---------------------------------------------------------

MOST_BUTTONS = 11  # more answer values than this (a 0–100 scale) are typed as a number


class QuestionForm(PortalForm):
    """One question of a validated questionnaire: one of its published answer values."""

    def __init__(self, *args, item, require_answer: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.item = item
        if item.labelled is None:
            rule = _("Choose one of the answers, or press Skip this question.")
        else:
            rule = _(
                "Choose a number from %(lowest)s to %(highest)s, or press Skip this question."
            ) % {"lowest": item.lowest, "highest": item.highest}
        self.fields["value"] = forms.TypedChoiceField(
            label=item.text,
            choices=[(option.value, str(option.value)) for option in item.options],
            coerce=int,
            empty_value=None,
            required=require_answer,
            widget=forms.RadioSelect,
            error_messages={"invalid_choice": rule, "required": rule},
        )

    @property
    def typed(self) -> bool:
        """True when the answer is typed as a number rather than chosen from buttons."""
        return len(self.item.options) > MOST_BUTTONS

    def options(self) -> list[dict]:
        """The answer buttons: each value, its published label (None between the labelled ends
        of a number scale, where the number itself is shown), and the one chosen."""
        field = self["value"]
        chosen = field.value()
        chosen = "" if chosen is None else str(chosen)
        return [
            {
                "value": option.value,
                "label": option.label,
                "id": f"{field.auto_id}_{option.value}",
                "checked": chosen == str(option.value),
            }
            for option in self.item.options
        ]


# --- My goals --------------------------------------------------------------------------------


class GoalForm(PortalForm):
    description = forms.CharField(
        label=gettext_lazy("What is your goal?"),
        help_text=gettext_lazy(
            "Write it in your own words. For example: Walk to the park twice a week."
        ),
        max_length=GOAL_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Write your goal in a few words.")},
    )
    expected_outcome = forms.CharField(
        label=gettext_lazy("How will you know it is going as expected?"),
        help_text=gettext_lazy("Optional. For example: I can walk there without stopping."),
        required=False,
        max_length=EXPECTED_OUTCOME_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    domain = forms.ChoiceField(
        label=gettext_lazy("Which part of your life is it about?"),
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose the part of your life it is about.")},
    )
    importance = forms.TypedChoiceField(
        label=gettext_lazy("How much does it matter to you?"),
        choices=[
            (1, gettext_lazy("A little")),
            (2, gettext_lazy("Quite a lot")),
            (3, gettext_lazy("Very much")),
        ],
        coerce=int,
        initial=2,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose how much it matters to you.")},
    )
    difficulty = forms.TypedChoiceField(
        label=gettext_lazy("How hard do you think it will be?"),
        choices=[
            (1, gettext_lazy("Not very hard")),
            (2, gettext_lazy("Quite hard")),
            (3, gettext_lazy("Very hard")),
        ],
        coerce=int,
        initial=2,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose how hard you think it will be.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["domain"].choices = _domain_choices()

    def clean_description(self) -> str:
        description = self.cleaned_data["description"].strip()
        if not description:
            raise forms.ValidationError(_("Write your goal in a few words."))
        return description


class GoalReviewForm(PortalForm):
    attainment = forms.TypedChoiceField(
        label=gettext_lazy("How is it going with this goal?"),
        choices=GoalReview.Attainment.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Choose how it is going."),
            "invalid_choice": gettext_lazy("Choose one of the five answers."),
        },
    )


# --- My next appointment ---------------------------------------------------------------------


class AgendaForm(PortalForm):
    going_well = forms.CharField(
        label=gettext_lazy("What is going well?"),
        required=False,
        max_length=AGENDA_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    hard = forms.CharField(
        label=gettext_lazy("What is hard at the moment?"),
        required=False,
        max_length=AGENDA_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    change = forms.CharField(
        label=gettext_lazy("What would you like to change?"),
        required=False,
        max_length=AGENDA_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    questions = forms.CharField(
        label=gettext_lazy("Do you have any questions?"),
        required=False,
        max_length=AGENDA_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        cleaned = super().clean()
        # A box refused for its own reason (too long) is not empty: its message is enough.
        if self.errors:
            return cleaned
        if not any((cleaned.get(name) or "").strip() for name in self.fields):
            raise forms.ValidationError(
                _("Write something in at least one of the boxes, then save."), code="empty"
            )
        return cleaned


# --- Settings, invitations ---------------------------------------------------------------------


class SettingsForm(PortalForm):
    email = forms.EmailField(
        label=gettext_lazy("Your email address"),
        help_text=gettext_lazy(
            "Optional. We use it for reminders and if you forget your password."
        ),
        required=False,
        max_length=EMAIL_MAX,
        error_messages={"invalid": gettext_lazy("Write an email address like name@example.org.")},
    )
    reminders = forms.BooleanField(
        label=gettext_lazy(
            "Email me a few days before each appointment, so I can think about what to say"
        ),
        required=False,
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language of my pages and emails"),
        required=False,
        widget=LanguageRadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Each language named in its own words, so whoever reads finds their own.
        self.fields["language"].choices = [
            ("", gettext_lazy("The language of my browser")),
            *languages_offered(),
        ]


class WelcomeForm(PortalForm):
    """Choose a password (and a username, the first time) from an invitation link."""

    username = forms.CharField(
        label=gettext_lazy("Your username"),
        help_text=gettext_lazy(
            "You type this when you sign in. We suggest one; you can change it."
        ),
        max_length=150,
        error_messages={"required": gettext_lazy("Choose a username.")},
    )
    email = forms.EmailField(
        label=gettext_lazy("Your email address"),
        help_text=gettext_lazy(
            "Optional. Type your own address: we send reminders to it, and help if you forget "
            "your password."
        ),
        required=False,
        max_length=EMAIL_MAX,
        error_messages={"invalid": gettext_lazy("Write an email address like name@example.org.")},
    )
    password1 = forms.CharField(
        label=gettext_lazy("Choose a password"),
        help_text=gettext_lazy(
            "At least 12 letters, numbers or signs. A few words you will remember is good."
        ),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": gettext_lazy("Choose a password.")},
    )
    password2 = forms.CharField(
        label=gettext_lazy("Type the password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": gettext_lazy("Type the password again.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "username", "autocapitalize": "none"}
        )
        self.fields["email"].widget.attrs["autocomplete"] = "email"

    def clean_password2(self) -> str:
        first, second = self.cleaned_data.get("password1"), self.cleaned_data["password2"]
        if first and first != second:
            raise forms.ValidationError(_("The two passwords are not the same. Type them again."))
        return second

    def clean(self):
        """The service's own checks of the login (the username free, the password strong
        enough) run with the form's, so every problem is shown at once; a box the form refused
        keeps only the form's message."""
        cleaned = super().clean()
        try:
            login_checked(
                username=cleaned.get("username") or "",
                email=cleaned.get("email") or "",
                password=cleaned.get("password1") or "",
            )
        except ValidationError as error:
            problems = {
                "password1" if name == "password" else name: errors
                for name, errors in error.error_dict.items()
            }
            left = {name: errors for name, errors in problems.items() if name not in self.errors}
            if left:
                self.add_service_errors(ValidationError(left))
        return cleaned
