"""The code systems and canonical URLs of the FHIR export and import, and the small builders of
codings and concepts they share.

External systems (LOINC, SNOMED CT, UCUM, HL7 terminology) are fixed. The product's own systems
for validated instruments (each instrument's answers, its scores, its Questionnaire) sit under
the site's own address (``settings.SITE_URL``), so two services never mint the same canonical.
"""

from __future__ import annotations

from django.conf import settings

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
V3_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
GOAL_PRIORITY = "http://terminology.hl7.org/CodeSystem/goal-priority"
REFERENCE_RANGE_MEANING = "http://terminology.hl7.org/CodeSystem/referencerange-meaning"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
FRAMEWORK = "https://ssm-outcomes.example/fhir/CodeSystem/framework"
SUMMARY = "https://ssm-outcomes.example/fhir/CodeSystem/summary"
RATER = "https://ssm-outcomes.example/fhir/CodeSystem/rater"


def coding(system: str, code: str, display: str = "") -> dict:
    return {"system": system, "code": code, **({"display": display} if display else {})}


def concept(system: str, code: str, display: str = "") -> dict:
    return {"coding": [coding(system, code, display)], **({"text": display} if display else {})}


def site_fhir_base() -> str:
    """Where this service's own FHIR canonicals live: ``<SITE_URL>/fhir``."""
    return settings.SITE_URL.rstrip("/") + "/fhir"


def questionnaire_url(code: str) -> str:
    """The canonical URL of an instrument's Questionnaire: ``<SITE_URL>/fhir/Questionnaire/PHQ2``
    for the PHQ-2."""
    return f"{site_fhir_base()}/Questionnaire/{code}"


def answer_system(code: str) -> str:
    """The code system of an instrument's answers: each code is the answer value as text."""
    return f"{site_fhir_base()}/CodeSystem/instrument-{code}"


def instrument_scores_system() -> str:
    """The code system of instrument scores: codes are ``<INSTRUMENT>.<score key>``."""
    return f"{site_fhir_base()}/CodeSystem/instrument-scores"
