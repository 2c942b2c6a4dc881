from django.contrib import admin
from django.urls import include, path

from accounts.views.account import home

from .views import health

urlpatterns = [
    path("health/", health, name="health"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("ssm_outcomes.api_urls")),
    path("dashboards/", include("indicators.urls")),
    path("clinic/", include("patients.clinic_urls")),
    path("accounts/", include("accounts.urls")),
    path("", home, name="home"),
    path("", include("patients.urls")),
]

handler400 = "ssm_outcomes.views.bad_request"
handler404 = "ssm_outcomes.views.not_found"
handler403 = "ssm_outcomes.views.forbidden"
handler500 = "ssm_outcomes.views.server_error"
