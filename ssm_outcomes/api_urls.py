"""The /api/v1/ routes (docs/api-contract.md): the schema and its docs here, each app's routes in
its own api_urls.py, included by name so that this package imports no app."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("accounts.api_urls")),
    path("", include("assessments.api_urls")),
    path("", include("patients.api_urls")),
    path("", include("indicators.api_urls")),
    path("", include("interop.api_urls")),
]
