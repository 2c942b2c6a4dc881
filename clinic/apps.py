"""The clinic app: the clinician's pages."""

from django.apps import AppConfig


class ClinicConfig(AppConfig):
    """The clinician's pages: caseload, patient record, encounters, supporting records."""

    name = "clinic"
