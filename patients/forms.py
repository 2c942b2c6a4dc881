"""Forms of the clinician workspace. Each keeps what was typed when validation fails."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from assessments.models import Domain, GoalReview, Marker
from patients.models import ConditionCode, ContextEvent, Encounter, Strategy
from patients.validation import (
    EVENT_NOTE_MAX,
    EXPECTED_OUTCOME_MAX,
    GOAL_MAX,
    NOTE_MAX,
    REASON_MAX,
)

RATING_ERRORS = {
    "min_value": "ratings go from 0 to 10",
    "max_value": "ratings go from 0 to 10",
    "invalid": "a rating is a whole number from 0 to 10",
}


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def format_value(self, value):
        if hasattr(value, "strftime"):
            return (
                timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")
                if timezone.is_aware(value)
                else value.strftime("%Y-%m-%dT%H:%M")
            )
        return value


class DateInput(forms.DateInput):
    input_type = "date"


def _blank(choices) -> list:
    return [("", "—"), *choices]


class ClinicForm(forms.Form):
    """A clinician's form whose length limits are stated with the field's label."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if getattr(field, "max_length", None):
                field.error_messages.setdefault(
                    "max_length",
                    f"{field.label} can be at most %(limit_value)d characters "
                    "(this has %(show_value)d).",
                )


class EncounterLogForm(ClinicForm):
    """One form for a consultation: the encounter, and optionally everything recorded in it."""

    occurred_at = forms.DateTimeField(label="Date and time", widget=LocalDateTimeInput())
    mode = forms.ChoiceField(choices=Encounter.Mode.choices, widget=forms.RadioSelect)
    initiated_by = forms.ChoiceField(
        label="Who asked for this contact?",
        choices=[("patient", "The patient"), ("service", "The service")],
        widget=forms.RadioSelect,
    )
    duration_minutes = forms.IntegerField(label="Duration (minutes)", min_value=1, max_value=480)
    strategies = forms.MultipleChoiceField(
        label="Support for self-management used",
        choices=Strategy.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label="Note (staff only, never shown to the patient)",
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    agenda_discussed = forms.BooleanField(
        label="We talked about the patient's agenda", required=False
    )
    goal_description = forms.CharField(
        label="New goal, in the patient's words",
        required=False,
        max_length=GOAL_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    goal_expected_outcome = forms.CharField(
        label="What 'as expected' would look like",
        required=False,
        max_length=EXPECTED_OUTCOME_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    goal_domain = forms.ChoiceField(label="Domain", required=False, choices=())
    goal_importance = forms.TypedChoiceField(
        label="Importance",
        choices=[(1, "1 (a little)"), (2, "2"), (3, "3 (very)")],
        coerce=int,
        initial=2,
        required=False,
    )
    goal_difficulty = forms.TypedChoiceField(
        label="Difficulty",
        choices=[(1, "1 (easy)"), (2, "2"), (3, "3 (hard)")],
        coerce=int,
        initial=2,
        required=False,
    )
    target_loinc = forms.ChoiceField(label="Marker", required=False, choices=())
    target_low = forms.DecimalField(label="Lowest agreed", required=False)
    target_high = forms.DecimalField(label="Highest agreed", required=False)
    target_relevant = forms.BooleanField(
        label="This marker matters for this person", required=False, initial=True
    )
    target_reason = forms.CharField(label="Reason", required=False, max_length=REASON_MAX)
    context_kind = forms.ChoiceField(
        label="Something that happened", required=False, choices=_blank(ContextEvent.Kind.choices)
    )
    context_occurred_on = forms.DateField(label="When", required=False, widget=DateInput())
    context_note = forms.CharField(label="Details", required=False, max_length=EVENT_NOTE_MAX)
    next_appointment = forms.DateTimeField(
        label="Next appointment (the patient is reminded to write their agenda)",
        required=False,
        widget=LocalDateTimeInput(),
    )

    def __init__(self, *args, elements, goals, **kwargs):
        super().__init__(*args, **kwargs)
        self.elements, self.goals = elements, goals
        self.markers = list(Marker.objects.order_by("name"))
        self.fields["goal_domain"].choices = _blank(
            [(d.code, d.name) for d in Domain.objects.order_by("order")]
        )
        self.fields["target_loinc"].choices = _blank(
            [(m.loinc, f"{m.name} ({m.unit_label})") for m in self.markers]
        )
        for element in elements:
            for side, label in (("proxy", "Patient's answer"), ("own", "Your view")):
                self.fields[f"{side}_{element.key}"] = forms.IntegerField(
                    label=f"{label}: {element.wording}",
                    min_value=0,
                    max_value=10,
                    required=False,
                    error_messages=RATING_ERRORS,
                )
        for marker in self.markers:
            self.fields[f"reading_{marker.loinc}"] = forms.DecimalField(
                label=f"{marker.name} ({marker.unit_label})",
                required=False,
                max_digits=8,
                decimal_places=2,
            )
        for goal in goals:
            self.fields[f"review_{goal.pk}"] = forms.TypedChoiceField(
                label=f"How is it going: {goal.description}",
                required=False,
                coerce=int,
                empty_value=None,
                choices=_blank(GoalReview.Attainment.choices),
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

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        ratings = [
            {
                "field": f"{side}_{e.key}",
                "element": e.key,
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
        new_goal = None
        if data.get("goal_description", "").strip():
            new_goal = {
                "description": data["goal_description"],
                "domain": data.get("goal_domain") or "",
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
            }
        return {
            "encounter": {
                key: data[key]
                for key in (
                    "occurred_at",
                    "mode",
                    "initiated_by",
                    "duration_minutes",
                    "strategies",
                    "note",
                )
            }
            | {"agenda_discussed": data.get("agenda_discussed") or None},
            "ratings": ratings,
            "readings": readings,
            "reviews": reviews,
            "new_goal": new_goal,
            "target": target,
            "context_event": context_event,
            "next_appointment": data.get("next_appointment"),
        }

    def add_service_errors(self, error) -> None:
        """Put a service's ValidationError next to the fields it names."""
        for field, messages in error.message_dict.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)


class ConditionForm(forms.Form):
    snomed_code = forms.ChoiceField(label="Condition", choices=())
    onset = forms.DateField(label="Since", required=False, widget=DateInput())
    stage = forms.DecimalField(
        label="Stage (where the condition is staged)",
        required=False,
        max_digits=3,
        decimal_places=1,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["snomed_code"].choices = [
            (c.snomed_code, f"{c.display}" + (f" — {c.stage_system}" if c.stage_system else ""))
            for c in ConditionCode.objects.order_by("display")
        ]


class TargetForm(ClinicForm):
    low = forms.DecimalField(label="Lowest agreed", required=False)
    high = forms.DecimalField(label="Highest agreed", required=False)
    relevant = forms.BooleanField(label="This marker matters for this person", required=False)
    reason = forms.CharField(
        label="Reason (required when the marker does not matter for this person)",
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ContextEventForm(ClinicForm):
    kind = forms.ChoiceField(label="What happened", choices=ContextEvent.Kind.choices)
    occurred_on = forms.DateField(label="When", widget=DateInput())
    note = forms.CharField(label="Details", required=False, max_length=EVENT_NOTE_MAX)
    visible_to_patient = forms.BooleanField(
        label="The patient can see this in their portal", required=False, initial=True
    )


class GoalWordingForm(ClinicForm):
    description = forms.CharField(
        label="The goal, in the patient's words",
        max_length=GOAL_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    expected_outcome = forms.CharField(
        label="What 'as expected' would look like",
        required=False,
        max_length=EXPECTED_OUTCOME_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    active = forms.BooleanField(label="Still working on it", required=False)
