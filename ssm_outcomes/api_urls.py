"""The /api/v1/ routes of DESIGN.md "REST API"."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import api as accounts_api
from assessments import api as assessments_api
from indicators import api as indicators_api
from interop import api as interop_api
from patients import api as patients_api

from . import converters  # noqa: F401  (registers the id converter)

patient = "patients/<id:patient_id>/"

urlpatterns = [
    path("auth/token/", accounts_api.TokenView.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("framework/", assessments_api.FrameworkView.as_view(), name="api-framework"),
    path("patients/", patients_api.PatientListView.as_view(), name="api-patients"),
    path(patient, patients_api.PatientDetailView.as_view(), name="api-patient"),
    path(f"{patient}conditions/", patients_api.ConditionsView.as_view(), name="api-conditions"),
    path(f"{patient}encounters/", patients_api.EncountersView.as_view(), name="api-encounters"),
    path(f"{patient}items/", assessments_api.ItemsView.as_view(), name="api-items"),
    path(f"{patient}ratings/", assessments_api.RatingsView.as_view(), name="api-ratings"),
    path(f"{patient}priorities/", assessments_api.PrioritiesView.as_view(), name="api-priorities"),
    path(f"{patient}goals/", assessments_api.GoalsView.as_view(), name="api-goals"),
    path(
        "goals/<id:goal_id>/reviews/",
        assessments_api.GoalReviewsView.as_view(),
        name="api-goal-reviews",
    ),
    path(f"{patient}readings/", assessments_api.ReadingsView.as_view(), name="api-readings"),
    path(f"{patient}targets/<str:loinc>/", assessments_api.TargetView.as_view(), name="api-target"),
    path(
        f"{patient}context-events/",
        patients_api.ContextEventsView.as_view(),
        name="api-context-events",
    ),
    path(
        f"{patient}summaries/", indicators_api.PatientSummariesView.as_view(), name="api-summaries"
    ),
    path(
        f"{patient}summaries/<str:period>/",
        indicators_api.PatientSummaryView.as_view(),
        name="api-summary",
    ),
    path(
        "teams/<id:team_id>/summaries/<str:period>/",
        indicators_api.TeamSummaryView.as_view(),
        name="api-team-summary",
    ),
    path(
        "fhir/Patient/<id:patient_id>/$everything",
        interop_api.FhirEverythingView.as_view(),
        name="api-fhir-everything",
    ),
    path(
        "fhir/Patient/<id:patient_id>/Observation/",
        interop_api.FhirObservationImportView.as_view(),
        name="api-fhir-import",
    ),
]
