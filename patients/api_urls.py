"""The /api/v1/ routes of the patients app (included by ssm_outcomes/api_urls.py)."""

from django.urls import path

from ssm_outcomes import converters  # noqa: F401  (registers the id converter)

from . import api

patient = "patients/<id:patient_id>/"

urlpatterns = [
    path("patients/", api.PatientListView.as_view(), name="api-patients"),
    path(patient, api.PatientDetailView.as_view(), name="api-patient"),
    path(f"{patient}conditions/", api.ConditionsView.as_view(), name="api-conditions"),
    path(f"{patient}encounters/", api.EncountersView.as_view(), name="api-encounters"),
    path(
        f"{patient}context-events/",
        api.ContextEventsView.as_view(),
        name="api-context-events",
    ),
]
