"""The /api/v1/ routes of the indicators app (included by ssm_outcomes/api_urls.py)."""

from django.urls import path

from ssm_outcomes import converters  # noqa: F401  (registers the id converter)

from . import api

patient = "patients/<id:patient_id>/"

urlpatterns = [
    path(f"{patient}summaries/", api.PatientSummariesView.as_view(), name="api-summaries"),
    path(
        f"{patient}summaries/<str:period>/",
        api.PatientSummaryView.as_view(),
        name="api-summary",
    ),
    path(
        "teams/<id:team_id>/summaries/<str:period>/",
        api.TeamSummaryView.as_view(),
        name="api-team-summary",
    ),
    path("comparisons/<str:period>/", api.ComparisonView.as_view(), name="api-comparison"),
]
