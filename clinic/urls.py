"""The clinician's pages under /clinic/."""

from django.urls import path

from ssm_outcomes import converters  # noqa: F401  (registers the id converter)

from .views import bulk_invitations, imports, invitations, summary
from .views import workspace as clinic

app_name = "clinic"
patient = "patients/<id:patient_id>/"

urlpatterns = [
    path("", clinic.caseload, name="caseload"),
    path("invitations/", bulk_invitations.invite_many, name="invite-many"),
    path("import/", imports.import_start, name="import-start"),
    path("import/<id:import_id>/", imports.import_page, name="import"),
    path("import/<id:import_id>/run/", imports.import_go, name="import-run"),
    path("import/<id:import_id>/progress/", imports.import_status, name="import-progress"),
    path(patient, clinic.record, name="patient"),
    path(f"{patient}encounters/new/", clinic.encounter_new, name="encounter-new"),
    path(f"{patient}appointments/", clinic.appointment_new, name="appointment-new"),
    path(f"{patient}records/", clinic.records_edit, name="records"),
    path(f"{patient}summary/", summary.summary_page, name="consultation-summary"),
    path(f"{patient}summary.pdf", summary.summary_pdf, name="consultation-summary-pdf"),
    path(f"{patient}conditions/", clinic.condition_add, name="condition-add"),
    path(
        f"{patient}conditions/<id:condition_id>/", clinic.condition_change, name="condition-change"
    ),
    path(f"{patient}targets/<str:loinc>/", clinic.target_change, name="target-change"),
    path(f"{patient}goals/<id:goal_id>/", clinic.goal_change, name="goal-change"),
    path(f"{patient}context-events/", clinic.context_event_add, name="context-event-add"),
    path(f"{patient}invitation/", invitations.invite, name="invite"),
    path(f"{patient}sign-in-help/", invitations.sign_in_help, name="sign-in-help"),
    path(f"{patient}sign-in-letter/", invitations.sign_in_letter, name="sign-in-letter"),
]
