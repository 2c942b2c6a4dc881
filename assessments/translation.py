"""Which wording of the framework has a column per language (django-modeltranslation): a
domain's names and an element's labels, clinical and plain, and a marker's names. The original
columns keep the English; the set-based SQL and the CSV read them. A personal item shares the
Element table but is written in the patient's own words under the default language only
(``assessments.services``), so it reads the same in every language."""

from modeltranslation.fields import TranslationFieldDescriptor
from modeltranslation.translator import TranslationOptions, register

from .models import Domain, Element, Marker


@register(Domain)
class DomainTranslation(TranslationOptions):
    fields = ("name", "plain_name")


@register(Element)
class ElementTranslation(TranslationOptions):
    fields = ("label", "plain_label")


@register(Marker)
class MarkerTranslation(TranslationOptions):
    fields = ("name", "plain_name")


class OwnWords(TranslationFieldDescriptor):
    """An element's wording in the language of the page, except a personal item's: the
    patient's own words, read from the original column whatever the language (and however the
    row was written: the demo's COPY fills only that column)."""

    @staticmethod
    def reads_original(instance) -> bool:
        """A personal item (it has a patient) reads its original column, never marked as a
        fallback (ssm_outcomes.content_language)."""
        return instance.__dict__.get("patient_id") is not None

    def __get__(self, instance, owner):
        if instance is not None and self.reads_original(instance):
            return instance.__dict__.get(self.field.name, "")
        return super().__get__(instance, owner)


for _name in ElementTranslation.fields:
    _registered = Element.__dict__[_name]
    setattr(
        Element,
        _name,
        OwnWords(
            _registered.field,
            fallback_languages=_registered.fallback_languages,
            fallback_value=_registered.fallback_value,
            fallback_undefined=_registered.fallback_undefined,
        ),
    )
