"""The patients app: people (users, teams, memberships, patients) and the records of care."""

from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "patients"
    verbose_name = "People, teams and care"

    def ready(self) -> None:
        # Connect the receivers: credential-change notices, and refused accesses to the audit log.
        # The tasks register by name (queued with ssm_outcomes.task_queue.enqueue).
        from . import audit, notifications, tasks  # noqa: F401
