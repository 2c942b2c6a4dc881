"""The patient portal, under /me/. No route takes a patient: every page is the signed-in one's."""

from django.urls import path

from ssm_outcomes import converters  # noqa: F401  (registers the id converter)

from .views import account, appointments, goals, priorities, progress, questionnaires, ratings

app_name = "portal"

urlpatterns = [
    path("", account.home, name="home"),
    path("what-matters/", priorities.priorities, name="priorities"),
    path("what-matters/add/", priorities.item_add, name="item-add"),
    path("how-it-is-going/", ratings.ratings, name="ratings"),
    path("how-it-is-going/<str:key>/", ratings.rate, name="rate"),
    path("goals/", goals.goals, name="goals"),
    path("goals/new/", goals.goal_new, name="goal-new"),
    path("goals/<id:goal_id>/review/", goals.goal_review, name="goal-review"),
    path("next-appointment/", appointments.agenda, name="agenda"),
    path("appointments/<id:encounter_id>/feedback/", appointments.feedback, name="feedback"),
    path("questionnaires/<str:code>/", questionnaires.questionnaire, name="questionnaire"),
    path(
        "questionnaires/<str:code>/thank-you/",
        questionnaires.questionnaire_done,
        name="questionnaire-done",
    ),
    path("progress/", progress.progress, name="progress"),
    path("settings/", account.settings_page, name="settings"),
    path("who-has-seen-my-record/", account.access_log, name="access-log"),
    path("welcome/<str:token>/", account.welcome, name="welcome"),
]
