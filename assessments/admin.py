"""The admin site for the framework (domains, elements), markers and the assessment records."""

from django.contrib import admin

from .models import (
    Domain,
    Element,
    Goal,
    GoalReview,
    Marker,
    PersonalTarget,
    PriorityPoint,
    PrioritySet,
    Rating,
    Reading,
)


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "plain_name", "order"]
    list_editable = ["plain_name", "order"]


@admin.register(Element)
class ElementAdmin(admin.ModelAdmin):
    """Framework elements (with a code) and patients' personal items (with a patient)."""

    list_display = ["key", "label", "plain_label", "domain", "active", "patient"]
    list_filter = ["domain", "active", ("patient", admin.EmptyFieldListFilter)]
    search_fields = ["code", "label", "plain_label"]
    raw_id_fields = ["patient"]


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ["patient", "element", "value", "rated_on", "rater"]
    list_filter = ["rater", "element__domain"]
    date_hierarchy = "rated_on"
    raw_id_fields = ["patient", "element", "entered_by", "encounter"]


class PriorityPointInline(admin.TabularInline):
    model = PriorityPoint
    extra = 0
    raw_id_fields = ["element"]


@admin.register(PrioritySet)
class PrioritySetAdmin(admin.ModelAdmin):
    list_display = ["patient", "effective_from", "total", "by_proxy"]
    raw_id_fields = ["patient", "entered_by"]
    inlines = [PriorityPointInline]


class GoalReviewInline(admin.TabularInline):
    model = GoalReview
    extra = 0
    raw_id_fields = ["encounter", "reviewed_by"]


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin):
    list_display = ["description", "patient", "domain", "importance", "difficulty", "active"]
    list_filter = ["domain", "active"]
    raw_id_fields = ["patient", "created_by"]
    inlines = [GoalReviewInline]


@admin.register(Marker)
class MarkerAdmin(admin.ModelAdmin):
    list_display = ["name", "loinc", "unit", "plausible_low", "plausible_high"]
    search_fields = ["name", "loinc"]


@admin.register(Reading)
class ReadingAdmin(admin.ModelAdmin):
    list_display = ["patient", "marker", "value", "taken_on"]
    list_filter = ["marker"]
    date_hierarchy = "taken_on"
    raw_id_fields = ["patient", "encounter", "recorded_by"]


@admin.register(PersonalTarget)
class PersonalTargetAdmin(admin.ModelAdmin):
    list_display = ["patient", "marker", "low", "high", "relevant"]
    list_filter = ["marker", "relevant"]
    raw_id_fields = ["patient", "set_by"]
