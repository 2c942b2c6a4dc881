"""The /api/v1/ routes of the assessments app (included by ssm_outcomes/api_urls.py)."""

from django.urls import path

from ssm_outcomes import converters  # noqa: F401  (registers the id converter)

from . import api, instrument_api

patient = "patients/<id:patient_id>/"

urlpatterns = [
    path("framework/", api.FrameworkView.as_view(), name="api-framework"),
    path(f"{patient}items/", api.ItemsView.as_view(), name="api-items"),
    path(f"{patient}ratings/", api.RatingsView.as_view(), name="api-ratings"),
    path(f"{patient}priorities/", api.PrioritiesView.as_view(), name="api-priorities"),
    path(f"{patient}goals/", api.GoalsView.as_view(), name="api-goals"),
    path(
        "goals/<id:goal_id>/reviews/",
        api.GoalReviewsView.as_view(),
        name="api-goal-reviews",
    ),
    path(f"{patient}readings/", api.ReadingsView.as_view(), name="api-readings"),
    path(f"{patient}targets/<str:loinc>/", api.TargetView.as_view(), name="api-target"),
    path("instruments/", instrument_api.InstrumentsView.as_view(), name="api-instruments"),
    path(f"{patient}responses/", instrument_api.ResponsesView.as_view(), name="api-responses"),
]
