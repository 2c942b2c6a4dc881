"""Which words of a service have a column per language (django-modeltranslation): the "help
now" text shown to a patient after a positive PHQ-2 or GAD-2 screen."""

from modeltranslation.translator import TranslationOptions, register

from .models import Team


@register(Team)
class TeamTranslation(TranslationOptions):
    fields = ("help_now",)
