"""The /api/v1/ routes of the accounts app (included by ssm_outcomes/api_urls.py)."""

from django.urls import path

from ssm_outcomes import converters  # noqa: F401  (registers the id converter)

from . import api

urlpatterns = [
    path("auth/token/", api.TokenView.as_view(), name="api-token"),
]
