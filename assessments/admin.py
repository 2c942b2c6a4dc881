"""The admin site for the framework (domains, elements), markers and the assessment records,
and the validated instruments: which a team offers (on the team's own page, which this module
extends since patients may not know of assessments), and the responses and installed wording,
which are read here and never changed."""

from django import forms
from django.contrib import admin
from modeltranslation.admin import TranslationAdmin

from patients.admin import RecordAdmin
from patients.admin import TeamAdmin as PeopleTeamAdmin
from patients.models import Team

from .instruments import INSTRUMENTS
from .models import (
    Domain,
    Element,
    Goal,
    GoalReview,
    InstrumentResponse,
    InstrumentWording,
    Marker,
    PersonalTarget,
    PriorityPoint,
    PrioritySet,
    Rating,
    Reading,
    TeamInstrument,
)


@admin.register(Domain)
class DomainAdmin(TranslationAdmin):
    """The names in each language (docs/languages.md, "Content that administrators edit")."""

    list_display = ["code", "name", "plain_name", "order"]
    list_editable = ["plain_name", "order"]


@admin.register(Element)
class ElementAdmin(RecordAdmin, TranslationAdmin):
    """Framework elements (with a code), their wording in each language, and patients' personal
    items (with a patient), which are in the patient's own words (only the English columns); a
    personal item changed or deleted (with its ratings) flags its patient's summaries."""

    list_display = ["key", "label", "plain_label", "domain", "active", "patient"]
    list_filter = ["domain", "active", ("patient", admin.EmptyFieldListFilter)]
    search_fields = ["code", "label", "plain_label"]
    raw_id_fields = ["patient"]


@admin.register(Rating)
class RatingAdmin(RecordAdmin):
    list_display = ["patient", "element", "value", "rated_on", "rater"]
    list_filter = ["rater", "element__domain"]
    date_hierarchy = "rated_on"
    raw_id_fields = ["patient", "element", "entered_by", "encounter"]


class PriorityPointInline(admin.TabularInline):
    model = PriorityPoint
    extra = 0
    raw_id_fields = ["element"]


@admin.register(PrioritySet)
class PrioritySetAdmin(RecordAdmin):
    list_display = ["patient", "effective_from", "total", "by_proxy"]
    raw_id_fields = ["patient", "entered_by"]
    inlines = [PriorityPointInline]


class GoalReviewInline(admin.TabularInline):
    model = GoalReview
    extra = 0
    raw_id_fields = ["encounter", "reviewed_by"]


@admin.register(Goal)
class GoalAdmin(RecordAdmin):
    list_display = ["description", "patient", "domain", "importance", "difficulty", "active"]
    list_filter = ["domain", "active"]
    raw_id_fields = ["patient", "created_by"]
    inlines = [GoalReviewInline]


@admin.register(Marker)
class MarkerAdmin(TranslationAdmin):
    list_display = ["name", "loinc", "unit", "plausible_low", "plausible_high"]
    search_fields = ["name", "loinc"]


@admin.register(Reading)
class ReadingAdmin(RecordAdmin):
    list_display = ["patient", "marker", "value", "taken_on"]
    list_filter = ["marker"]
    date_hierarchy = "taken_on"
    raw_id_fields = ["patient", "encounter", "recorded_by"]


@admin.register(PersonalTarget)
class PersonalTargetAdmin(RecordAdmin):
    list_display = ["patient", "marker", "low", "high", "relevant"]
    list_filter = ["marker", "relevant"]
    raw_id_fields = ["patient", "set_by"]


class TeamInstrumentForm(forms.ModelForm):
    """The instrument is chosen from the library by name, so only a known code is saved."""

    instrument = forms.ChoiceField(
        choices=[(code, f"{form.name} ({code})") for code, form in INSTRUMENTS.items()]
    )

    class Meta:
        model = TeamInstrument
        fields = ["instrument", "schedule"]


class TeamInstrumentInline(admin.TabularInline):
    model = TeamInstrument
    form = TeamInstrumentForm
    extra = 1
    verbose_name = "validated questionnaire offered"
    verbose_name_plural = "validated questionnaires offered to the team's patients"


admin.site.unregister(Team)


@admin.register(Team)
class TeamAdmin(PeopleTeamAdmin):
    """The team's page with the questionnaires it offers and where its patients get help now."""

    inlines = [*PeopleTeamAdmin.inlines, TeamInstrumentInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Listed and opened, never added, changed or deleted here: answers are the patient's."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(InstrumentResponse)
class InstrumentResponseAdmin(ReadOnlyAdmin):
    list_display = ["patient", "instrument", "completed_on", "rater", "entered_by"]
    list_filter = ["instrument", "rater"]
    date_hierarchy = "completed_on"
    raw_id_fields = ["patient", "encounter", "entered_by"]


@admin.register(InstrumentWording)
class InstrumentWordingAdmin(ReadOnlyAdmin):
    """Installed with ``manage.py load_instrument_pack``, which checks the pack first."""

    list_display = ["instrument", "language", "updated_at"]
    list_filter = ["instrument", "language"]
