"""The URL root: each app's pages and API routes, included by name."""

from django.contrib import admin
from django.urls import include, path

from .views import health

urlpatterns = [
    path("health/", health, name="health"),
    path("admin/", admin.site.urls),
    # set_language: the sign-in page's language switch posts here (CSRF-protected, POST only).
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("ssm_outcomes.api_urls")),
    path("dashboards/", include("indicators.urls")),
    path("clinic/", include("clinic.urls")),
    path("accounts/", include("accounts.urls")),
    path("me/", include("portal.urls")),
    path("", include("accounts.landing_urls")),
]

handler400 = "ssm_outcomes.views.bad_request"
handler404 = "ssm_outcomes.views.not_found"
handler403 = "ssm_outcomes.views.forbidden"
handler500 = "ssm_outcomes.views.server_error"
