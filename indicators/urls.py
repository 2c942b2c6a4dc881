"""HTML pages of the service dashboards, under /dashboards/."""

from django.urls import path

from ssm_outcomes import converters  # noqa: F401  (registers the id converter)

from . import views

app_name = "dashboards"

urlpatterns = [
    path("", views.dashboard_index, name="index"),
    path("my-caseload/", views.my_caseload, name="my_caseload"),
    path("teams/<id:team_id>/", views.team_overview, name="team_overview"),
    path("teams/<id:team_id>/trends/", views.team_trends, name="team_trends"),
    path("teams/<id:team_id>/what-matters/", views.team_what_matters, name="team_what_matters"),
    path("teams/<id:team_id>/context/", views.team_context, name="team_context"),
    path("teams/<id:team_id>/instruments/", views.team_instruments, name="team_instruments"),
    path("teams/<id:team_id>/caseloads/", views.team_caseloads_page, name="team_caseloads"),
    path("teams/<id:team_id>/export.csv", views.team_export, name="team_export"),
    path("comparisons/", views.comparison_page, name="comparison"),
    path("comparisons/<str:period>.csv", views.comparison_export, name="comparison_export"),
]
