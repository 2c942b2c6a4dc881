"""The patient portal, under /me/. No route takes a patient: every page is the signed-in one's."""

from django.urls import path

from ssm_outcomes import converters  # noqa: F401  (registers the id converter)

from . import views as portal

app_name = "portal"

urlpatterns = [
    path("", portal.home, name="home"),
    path("what-matters/", portal.priorities, name="priorities"),
    path("what-matters/add/", portal.item_add, name="item-add"),
    path("how-it-is-going/", portal.ratings, name="ratings"),
    path("how-it-is-going/<str:key>/", portal.rate, name="rate"),
    path("goals/", portal.goals, name="goals"),
    path("goals/new/", portal.goal_new, name="goal-new"),
    path("goals/<id:goal_id>/review/", portal.goal_review, name="goal-review"),
    path("next-appointment/", portal.agenda, name="agenda"),
    path("appointments/<id:encounter_id>/feedback/", portal.feedback, name="feedback"),
    path("progress/", portal.progress, name="progress"),
    path("settings/", portal.settings_page, name="settings"),
    path("who-has-seen-my-record/", portal.access_log, name="access-log"),
    path("welcome/<str:token>/", portal.welcome, name="welcome"),
]
