"""Forms of the clinician workspace. Each keeps what was typed when validation fails, reports
every problem at once, and names each field as the page labels it (form_messages)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from assessments.instruments import Instrument
from assessments.models import Domain, GoalReview, Marker, PersonalTarget
from clinic.form_fields import DateInput, LocalDateTimeField, RadioChoiceField
from clinic.form_messages import LabelledForm
from clinic.instrument_words import option_text, short_name
from patients.models import ConditionCode, ContextEvent, Encounter, Patient, Strategy, Team
from patients.validation import (
    EMAIL_MAX,
    EVENT_NOTE_MAX,
    EXPECTED_OUTCOME_MAX,
    GOAL_MAX,
    NOTE_MAX,
    REASON_MAX,
)
from ssm_outcomes.forms import PlainForm
from ssm_outcomes.languages import (
    LanguageRadioSelect,
    chosen_language,
    language_offered,
    languages_offered,
)


def _blank(choices) -> list:
    return [("", "—"), *choices]


def decimal_field(label, *, max_digits: int, decimal_places: int) -> forms.DecimalField:
    """An optional decimal typed as the page's language writes it: 5,2 on a Dutch page (a point
    is still read there), 5.2 in English, as the message's example ("like 7.5") says."""
    return forms.DecimalField(
        label=label,
        required=False,
        max_digits=max_digits,
        decimal_places=decimal_places,
        localize=True,  # a text box: a number box would take no comma
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )


def _target_bound(name: str, label) -> forms.Field:
    """A target's lowest or highest agreed value, optional, with the model's limits of digits
    and decimal places, so a value out of them is refused with the form's own message."""
    bound = cast(models.DecimalField, PersonalTarget._meta.get_field(name))
    return decimal_field(label, max_digits=bound.max_digits, decimal_places=bound.decimal_places)


class EncounterLogForm(LabelledForm):
    """One form for a consultation: the encounter, and optionally everything recorded in it."""

    occurred_at = LocalDateTimeField(label=_("Date and time"))
    mode = forms.ChoiceField(
        label=_("Mode"), choices=Encounter.Mode.choices, widget=forms.RadioSelect
    )
    initiated_by = forms.ChoiceField(
        label=_("Who asked for this contact?"),
        choices=[("patient", _("The patient")), ("service", _("The service"))],
        widget=forms.RadioSelect,
    )
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=1, max_value=480)
    strategies = forms.MultipleChoiceField(
        label=_("Support for self-management used"),
        choices=Strategy.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("Note (staff only, never shown to the patient)"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    agenda_discussed = forms.BooleanField(
        label=_("We talked about the patient's agenda"), required=False
    )
    goal_description = forms.CharField(
        label=_("New goal, in the patient's words"),
        required=False,
        max_length=GOAL_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    goal_expected_outcome = forms.CharField(
        label=_("What 'as expected' would look like"),
        required=False,
        max_length=EXPECTED_OUTCOME_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    goal_domain = forms.ChoiceField(label=_("Domain of the new goal"), required=False, choices=())
    goal_importance = forms.TypedChoiceField(
        label=_("Importance"),
        choices=[(1, _("1 (a little)")), (2, "2"), (3, _("3 (very)"))],
        coerce=int,
        initial=2,
        required=False,
    )
    goal_difficulty = forms.TypedChoiceField(
        label=_("Difficulty"),
        choices=[(1, _("1 (easy)")), (2, "2"), (3, _("3 (hard)"))],
        coerce=int,
        initial=2,
        required=False,
    )
    target_loinc = forms.ChoiceField(label=_("Marker of the target"), required=False, choices=())
    target_low = _target_bound("low", _("Lowest agreed"))
    target_high = _target_bound("high", _("Highest agreed"))
    target_relevant = forms.BooleanField(
        label=_("This marker matters for this person"), required=False, initial=True
    )
    target_reason = forms.CharField(
        label=_("Why it does not matter (needed when unticked)"),
        required=False,
        max_length=REASON_MAX,
    )
    context_kind = forms.ChoiceField(
        label=_("Something that happened"),
        required=False,
        choices=_blank(ContextEvent.Kind.choices),
    )
    context_occurred_on = forms.DateField(
        label=_("When it happened"), required=False, widget=DateInput()
    )
    context_note = forms.CharField(
        label=_("Details of what happened"), required=False, max_length=EVENT_NOTE_MAX
    )
    # As on the supporting records page: unticked, the event stays with the care team.
    context_visible_to_patient = forms.BooleanField(
        label=_("The patient can see this in their portal"), required=False, initial=True
    )
    next_appointment = LocalDateTimeField(
        label=_("Next appointment (the patient is reminded to write their agenda)"),
        required=False,
    )

    def __init__(self, *args, elements, goals, instruments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.elements, self.goals = elements, goals
        self.instruments: list[Instrument] = list(instruments)
        self.markers = list(Marker.objects.order_by("name"))
        self.fields["goal_domain"].choices = _blank(
            [(d.code, d.name) for d in Domain.objects.order_by("order")]
        )
        self.fields["target_loinc"].choices = _blank(
            [(m.loinc, f"{m.name} ({m.unit_label})") for m in self.markers]
        )
        for element in elements:
            for side, label in (
                ("proxy", gettext("Patient's answer: %(element)s")),
                ("own", gettext("Your view: %(element)s")),
            ):
                self.fields[f"{side}_{element.key}"] = forms.IntegerField(
                    label=label % {"element": element.wording},
                    min_value=0,
                    max_value=10,
                    required=False,
                )
        for marker in self.markers:
            self.fields[f"reading_{marker.loinc}"] = decimal_field(
                f"{marker.name} ({marker.unit_label})", max_digits=8, decimal_places=2
            )
        for goal in goals:
            self.fields[f"review_{goal.pk}"] = forms.TypedChoiceField(
                label=gettext("How is it going: %(goal)s") % {"goal": goal.description},
                required=False,
                coerce=int,
                empty_value=None,
                choices=_blank(GoalReview.Attainment.choices),
            )
        for form in self.instruments:
            for number, item in enumerate(form.items, start=1):
                self.fields[self.instrument_field(form, item.link_id)] = RadioChoiceField(
                    label=gettext("%(instrument)s question %(number)s: %(text)s")
                    % {"instrument": short_name(form.code), "number": number, "text": item.text},
                    required=False,
                    coerce=int,
                    empty_value=None,
                    choices=[
                        ("", gettext("Not asked")),
                        *((o.value, option_text(o.value, o.label)) for o in item.options),
                    ],
                )
        # In the order the page shows them, so the list of problems at the top follows the page.
        self.order_fields(
            [
                *self.ENCOUNTER_FIELDS,
                "agenda_discussed",
                *(name for name in self.fields if name.startswith(("proxy_", "own_"))),
                *(name for name in self.fields if name.startswith("instrument_")),
                *(name for name in self.fields if name.startswith(("reading_", "review_"))),
            ]
        )
        if not self.is_bound:
            self.initial.setdefault("occurred_at", timezone.localtime().replace(second=0))
            self.initial.setdefault("mode", Encounter.Mode.FACE_TO_FACE)
            self.initial.setdefault("initiated_by", "service")
            self.initial.setdefault("duration_minutes", 10)

    # Grouped bound fields, so the template lays out rows without knowing field names.
    def rating_rows(self):
        return [(e, self[f"proxy_{e.key}"], self[f"own_{e.key}"]) for e in self.elements]

    def reading_rows(self):
        return [(m, self[f"reading_{m.loinc}"]) for m in self.markers]

    def review_rows(self):
        return [(g, self[f"review_{g.pk}"]) for g in self.goals]

    @staticmethod
    def instrument_field(form: Instrument, link_id: str) -> str:
        return f"instrument_{form.code}_{link_id}"

    def instrument_sections(self):
        """Each instrument offered, with one radio group per question."""
        return [
            (form, [self[self.instrument_field(form, item.link_id)] for item in form.items])
            for form in self.instruments
        ]

    def add_service_errors(
        self, error: ValidationError, skip: Collection[str] = frozenset()
    ) -> None:
        """A response's problems are noted under its instrument (``instrument_PHQ2``): they are
        shown at its first question, which the list at the top links to."""
        if hasattr(error, "error_dict"):
            firsts = {
                f"instrument_{form.code}": self.instrument_field(form, form.items[0].link_id)
                for form in self.instruments
            }
            kept = {name: errors for name, errors in error.error_dict.items() if name not in skip}
            if not kept:
                return
            error = ValidationError(
                {firsts.get(name, name): errors for name, errors in kept.items()}
            )
            skip = frozenset()
        super().add_service_errors(error, skip)

    ENCOUNTER_FIELDS = (
        "occurred_at",
        "mode",
        "initiated_by",
        "duration_minutes",
        "strategies",
        "note",
    )
    GOAL_FIELDS = ("goal_description", "goal_expected_outcome", "goal_domain")
    GOAL_CHOICES = ("goal_importance", "goal_difficulty")  # they start on 2, never empty
    TARGET_FIELDS = ("target_low", "target_high", "target_reason")
    CONTEXT_FIELDS = ("context_occurred_on", "context_note")

    def _typed(self, name: str) -> bool:
        """Whether anything was typed into a field (whether or not it is valid)."""
        value = self.data.get(self.add_prefix(name), "")
        return bool(str(value).strip())

    def _chosen(self, name: str) -> bool:
        """Whether a choice was changed from the one the form starts on."""
        value = str(self.data.get(self.add_prefix(name), "")).strip()
        return bool(value) and value != str(self.fields[name].initial)

    def clean(self):
        """A section with anything typed or chosen in it is saved whole or refused, never
        dropped."""
        cleaned = super().clean()
        if any(self._typed(name) for name in self.GOAL_FIELDS) or any(
            self._chosen(name) for name in self.GOAL_CHOICES
        ):
            if not self._typed("goal_description"):
                self.add_error(
                    "goal_description",
                    gettext(
                        "Write the new goal in the patient's words, or clear the new goal's boxes."
                    ),
                )
            if not self._typed("goal_domain"):
                self.add_error("goal_domain", gettext("Choose the domain of the new goal."))
        relevance_unticked = not self._typed("target_relevant")  # it starts ticked
        if not self._typed("target_loinc") and (
            any(self._typed(name) for name in self.TARGET_FIELDS) or relevance_unticked
        ):
            self.add_error("target_loinc", gettext("Choose the marker this target is for."))
        if (
            self._typed("target_loinc")
            and not self._typed("target_relevant")
            and not self._typed("target_reason")
        ):
            self.add_error(
                "target_reason", gettext("Say why this marker does not matter for this person.")
            )
        if not self._typed("context_kind") and any(
            self._typed(name) for name in self.CONTEXT_FIELDS
        ):
            self.add_error("context_kind", gettext("Choose what happened, or clear its boxes."))
        return cleaned

    def service_arguments(self) -> dict:
        """What to record, from the fields that passed the form's checks (all of them when the
        form is valid; the rest are still checked by the services, so that every problem of a
        submission is shown at once)."""
        data = self.cleaned_data
        ratings = [
            {
                "field": f"{side}_{e.key}",
                "element": e,  # read with the form: not read again
                "value": data[f"{side}_{e.key}"],
                "rater": "proxy" if side == "proxy" else "clinician",
            }
            for e in self.elements
            for side in ("proxy", "own")
            if data.get(f"{side}_{e.key}") is not None
        ]
        readings = [
            {
                "field": f"reading_{m.loinc}",
                "loinc": m.loinc,
                "marker": m,
                "unit": m.unit,
                "value": data[f"reading_{m.loinc}"],
            }
            for m in self.markers
            if data.get(f"reading_{m.loinc}") is not None
        ]
        reviews = [
            {"field": f"review_{g.pk}", "goal": g, "attainment": data[f"review_{g.pk}"]}
            for g in self.goals
            if data.get(f"review_{g.pk}") is not None
        ]
        responses = []
        for form in self.instruments:
            answers = {
                item.link_id: data[self.instrument_field(form, item.link_id)]
                for item in form.items
                if data.get(self.instrument_field(form, item.link_id)) is not None
            }
            if answers:
                responses.append(
                    {
                        "field": f"instrument_{form.code}",
                        "instrument": form.code,
                        "answers": answers,
                    }
                )
        new_goal = None
        if data.get("goal_description", "").strip() and data.get("goal_domain"):
            new_goal = {
                "description": data["goal_description"],
                "domain": data["goal_domain"],
                "importance": data.get("goal_importance") or 2,
                "difficulty": data.get("goal_difficulty") or 2,
                "expected_outcome": data.get("goal_expected_outcome", ""),
            }
        target = None
        if data.get("target_loinc"):
            target = {
                "loinc": data["target_loinc"],
                "low": data.get("target_low"),
                "high": data.get("target_high"),
                "relevant": data.get("target_relevant", False),
                "reason": data.get("target_reason", ""),
            }
        context_event = None
        if data.get("context_kind"):
            context_event = {
                "kind": data["context_kind"],
                "occurred_on": data.get("context_occurred_on") or timezone.localdate(),
                "note": data.get("context_note", ""),
                "visible_to_patient": bool(data.get("context_visible_to_patient")),
            }
        encounter = None
        if all(key in data for key in self.ENCOUNTER_FIELDS):
            encounter = {key: data[key] for key in self.ENCOUNTER_FIELDS} | {
                "agenda_discussed": data.get("agenda_discussed") or None
            }
        elif "occurred_at" in data:
            # Another of its boxes refused: the service still checks the date, and the parts
            # that depend on it, without writing the encounter.
            encounter = {"occurred_at": data["occurred_at"]}
        return {
            "encounter": encounter,
            "ratings": ratings,
            "readings": readings,
            "reviews": reviews,
            "responses": responses,
            "new_goal": new_goal,
            "target": target,
            "context_event": context_event,
            "next_appointment": data.get("next_appointment"),
        }


class ConditionForm(LabelledForm):
    snomed_code = forms.ChoiceField(label=_("Condition"), choices=())
    onset = forms.DateField(label=_("Since"), required=False, widget=DateInput())
    stage = decimal_field(
        _("Stage (where the condition is staged)"), max_digits=3, decimal_places=1
    )

    def __init__(self, *args, codes: list[ConditionCode] | None = None, **kwargs):
        """``codes``: the condition codes in order of name, when already read for another form
        on the page (a page of one form per condition reads them once)."""
        super().__init__(*args, **kwargs)
        if codes is None:
            codes = condition_codes()
        field = cast(forms.ChoiceField, self.fields["snomed_code"])
        field.choices = [
            (c.snomed_code, f"{c.display}" + (f" — {c.stage_system}" if c.stage_system else ""))
            for c in codes
        ]


def condition_codes() -> list[ConditionCode]:
    """Every condition a service can record, in order of name, for ``ConditionForm``."""
    return list(ConditionCode.objects.order_by("display"))


class TargetForm(LabelledForm):
    low = _target_bound("low", _("Lowest agreed"))
    high = _target_bound("high", _("Highest agreed"))
    relevant = forms.BooleanField(label=_("This marker matters for this person"), required=False)
    reason = forms.CharField(
        label=_("Reason (required when the marker does not matter for this person)"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("relevant") and not (cleaned.get("reason") or "").strip():
            self.add_error(
                "reason", gettext("Say why this marker does not matter for this person.")
            )
        return cleaned


class ContextEventForm(LabelledForm):
    kind = forms.ChoiceField(label=_("What happened"), choices=ContextEvent.Kind.choices)
    occurred_on = forms.DateField(label=_("When it happened"), widget=DateInput())
    note = forms.CharField(label=_("Details"), required=False, max_length=EVENT_NOTE_MAX)
    visible_to_patient = forms.BooleanField(
        label=_("The patient can see this in their portal"), required=False, initial=True
    )


class GoalWordingForm(LabelledForm):
    description = forms.CharField(
        label=_("The goal, in the patient's words"),
        max_length=GOAL_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    expected_outcome = forms.CharField(
        label=_("What 'as expected' would look like"),
        required=False,
        max_length=EXPECTED_OUTCOME_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    active = forms.BooleanField(label=_("Still working on it"), required=False)


class AppointmentForm(LabelledForm):
    """Book an appointment from the record (the encounter form books the next one too)."""

    starts_at = LocalDateTimeField(label=_("Date and time of the appointment"))


INVITATION_LANGUAGE_REFUSED = _(
    "Choose one of the languages under “Language of the invitation”: %(languages)s."
)


class InviteForm(PlainForm):
    """The clinician's invitation of a patient to the portal, worded as the portal's forms are,
    and the language it is in (its email, and the page where the patient chooses a password)."""

    email = forms.EmailField(
        label=_("Patient's email address (optional)"),
        help_text=_("We email the link there. Leave it empty to give the link to them yourself."),
        required=False,
        max_length=EMAIL_MAX,
        error_messages={"invalid": _("Write an email address like name@example.org.")},
    )
    language = forms.ChoiceField(
        label=_("Language of the invitation"),
        help_text=_(
            "The email and the page where they choose a password are in this language. "
            "Their portal stays in it until they choose another."
        ),
        # Not sent at all (an older page): the language of this page, as before there was a choice.
        required=False,
        widget=LanguageRadioSelect,
    )

    def __init__(self, *args, patient: Patient | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["language"])
        # Each language named in its own words, so the patient's can be found.
        field.choices = languages_offered()
        field.initial = self.default_language(patient)
        field.error_messages["invalid_choice"] = str(INVITATION_LANGUAGE_REFUSED) % {
            "languages": ", ".join(name for _code, name in field.choices)
        }

    def clean_language(self) -> str:
        return self.cleaned_data["language"] or self.fields["language"].initial

    @staticmethod
    def default_language(patient: Patient | None) -> str:
        """The patient's own language if they chose one on a login, else the page's (the
        clinician's), else the site's default."""
        user = patient.user if patient is not None and patient.user_id else None
        page = translation.get_language() or ""
        for code in (chosen_language(user), page.lower()):
            if code and language_offered(code):
                return code
        return settings.LANGUAGE_CODE


class ImportForm(PlainForm):
    """Choosing a patient list to bring in, and the team it is for."""

    team: forms.ModelChoiceField[Team] = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.none(),
        empty_label=None,
        error_messages={
            "required": _("Choose the team these patients are for."),
            "invalid_choice": _("Choose one of your teams."),
        },
    )
    file = forms.FileField(
        label=_("Patient list (a CSV file)"),
        help_text=_(
            "Columns: display_name, birth_year, local_id; and if you have them conditions, "
            "email, language, teams. Save it from your spreadsheet as “CSV UTF-8” or “CSV”."
        ),
        error_messages={
            "required": _("Choose the CSV file to import."),
            "empty": _("The file is empty."),
        },
    )

    def __init__(self, *args: Any, teams: QuerySet[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
