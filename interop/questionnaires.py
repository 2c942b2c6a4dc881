"""Validated instruments in FHIR R4: each instrument as a ``Questionnaire``, and a patient's
response as a ``QuestionnaireResponse`` with an ``Observation`` per score.

An answer is a Coding in the instrument's own code system (``codes.answer_system``) whose code
is the answer value as text; the Questionnaire's options carry the value again as an
``ordinalValue`` extension, so a receiver can score without our code. A licensed instrument whose
wording is not installed has no item texts and shows each answer by its number.
"""

from __future__ import annotations

from collections.abc import Callable

from fhir.resources.R4B.questionnaire import Questionnaire

from assessments.instruments import Instrument, Item
from assessments.models import InstrumentRater, InstrumentResponse

from .codes import (
    LOINC,
    OBSERVATION_CATEGORY,
    ORDINAL_VALUE,
    UCUM,
    answer_system,
    coding,
    concept,
    instrument_scores_system,
    questionnaire_url,
)

# LOINC codes of scores, only where the code is certain to mean exactly this score.
SCORE_LOINC = {
    ("PHQ2", "score"): ("55758-7", "Patient Health Questionnaire 2 item (PHQ-2) total score"),
}

Ref = Callable[[str, str], dict]
"""Gives the Bundle reference of a resource by its type and id (the export's ``_Entries.ref``)."""


def answer_coding(form: Instrument, item: Item, value: int) -> dict:
    """The Coding of an answer value: the option's label as display, or the number itself."""
    label = next((o.label for o in item.options if o.value == value), None)
    return coding(answer_system(form.code), str(value), label or str(value))


def _question(form: Instrument, item: Item) -> dict:
    options = [
        {"valueCoding": {
            "extension": [{"url": ORDINAL_VALUE, "valueDecimal": option.value}],
            **answer_coding(form, item, option.value),
        }}
        for option in item.options
    ]  # fmt: skip
    text = {"text": item.text} if item.text else {}
    return {"linkId": item.link_id, **text, "type": "choice", "required": False,
            "answerOption": options}  # fmt: skip


def questionnaire(form: Instrument) -> dict:
    """The instrument as a FHIR R4 Questionnaire (JSON dict), checked against the R4B model.

    Pass the instrument as a page would show it (``instrument_worded``), so a site's installed
    wording appears; the licence notice is always its ``copyright``."""
    resource = {
        "resourceType": "Questionnaire",
        "id": form.code,
        "url": questionnaire_url(form.code),
        "version": form.version,
        "name": form.code,
        "title": form.name,
        "status": "active",
        "subjectType": ["Patient"],
        "copyright": form.licence.notice,
        "item": [_question(form, item) for item in form.items],
    }
    Questionnaire.model_validate(resource)  # a resource that breaks R4 is a bug: fail loudly
    return resource


def _author(response: InstrumentResponse, subject: dict) -> dict:
    if response.rater == InstrumentRater.PATIENT:
        return subject
    who = str(response.entered_by) if response.entered_by else "A member of staff"
    return {"display": f"{who}, entering the patient's own answers (proxy)"}


def _score_value(value: int | float | bool | str) -> dict:
    if isinstance(value, bool):
        return {"valueBoolean": value}
    if isinstance(value, int):
        return {"valueInteger": value}
    if isinstance(value, float):
        return {"valueQuantity": {"value": value, "unit": "score", "system": UCUM,
                                  "code": "{score}"}}  # fmt: skip
    return {"valueString": str(value)}


def _score_code(form: Instrument, key: str) -> dict:
    display = f"{form.name}: {key.replace('_', ' ')}"
    codings = [coding(instrument_scores_system(), f"{form.code}.{key}", display)]
    if (form.code, key) in SCORE_LOINC:
        codings.append(coding(LOINC, *SCORE_LOINC[form.code, key]))
    return {"coding": codings, "text": display}


def instrument_response_resources(
    response: InstrumentResponse, *, form: Instrument, subject: dict, ref: Ref, encounter: dict
) -> list[dict]:
    """A response as a QuestionnaireResponse (skipped items left out) followed by an Observation
    for each score it has (a score that could not be given, None, is left out), each derived
    from the QuestionnaireResponse. ``form`` is the instrument as worded for the export;
    ``encounter`` is the ``encounter`` field, or {} when the response was given outside one."""
    qr_id = f"instrument-response-{response.pk}"
    author = _author(response, subject)
    items = [
        {"linkId": item.link_id, **({"text": item.text} if item.text else {}),
         "answer": [{"valueCoding": answer_coding(form, item, value)}]}
        for item in form.items
        if (value := response.answers.get(item.link_id)) is not None
    ]  # fmt: skip
    resources = [{
        "resourceType": "QuestionnaireResponse",
        "id": qr_id,
        "questionnaire": questionnaire_url(form.code),
        "status": "completed",
        "subject": subject,
        **encounter,
        "authored": response.completed_on.isoformat(),
        "author": author,
        "source": subject,
        "item": items,
    }]  # fmt: skip
    derived_from = [ref("QuestionnaireResponse", qr_id)]
    for key, value in response.scores.items():
        if value is None:
            continue
        resources.append({
            "resourceType": "Observation",
            "id": f"{qr_id}-{key.replace('_', '-')}",
            "status": "final",
            "category": [concept(OBSERVATION_CATEGORY, "survey", "Survey")],
            "code": _score_code(form, key),
            "subject": subject,
            **encounter,
            "effectiveDateTime": response.completed_on.isoformat(),
            "performer": [author],
            **_score_value(value),
            "derivedFrom": derived_from,
        })  # fmt: skip
    return resources
