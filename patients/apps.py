"""The patients app: people (users, teams, memberships, patients) and the records of care."""

from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "patients"
    verbose_name = "People, teams and care"

    def ready(self) -> None:
        # Connect the receivers: credential-change notices, and refused accesses to the audit log.
        from . import audit, notifications  # noqa: F401
