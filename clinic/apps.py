from django.apps import AppConfig


class ClinicConfig(AppConfig):
    """The clinician's pages: caseload, patient record, encounters, supporting records."""

    name = "clinic"
