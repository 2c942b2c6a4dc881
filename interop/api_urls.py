"""The /api/v1/ routes of the interop app (included by ssm_outcomes/api_urls.py)."""

from django.urls import path

from ssm_outcomes import converters  # noqa: F401  (registers the id converter)

from . import api

urlpatterns = [
    path("fhir/", api.FhirTransactionView.as_view(), name="api-fhir-transaction"),
    path(
        "fhir/Patient/<id:patient_id>/$everything",
        api.FhirEverythingView.as_view(),
        name="api-fhir-everything",
    ),
    path(
        "fhir/Questionnaire/<str:code>",
        api.FhirQuestionnaireView.as_view(),
        name="api-fhir-questionnaire",
    ),
    path(
        "fhir/Patient/<id:patient_id>/Observation/",
        api.FhirObservationImportView.as_view(),
        name="api-fhir-import",
    ),
]
