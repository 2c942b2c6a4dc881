"""Which words have a column per language (django-modeltranslation): a service's "help now"
text, shown to a patient after a positive PHQ-2 or GAD-2 screen, and the names of the conditions
a service records. The original columns keep the English, which the CSV, the FHIR export and
the import read."""

from modeltranslation.translator import TranslationOptions, register

from .models import ConditionCode, Team


@register(Team)
class TeamTranslation(TranslationOptions):
    fields = ("help_now",)


@register(ConditionCode)
class ConditionCodeTranslation(TranslationOptions):
    fields = ("display",)
