"""The assessments app: the framework, items, ratings, priorities, goals and markers, and the
validated instruments; importing ``reminder_lines`` at ready connects its receiver."""

from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "Framework, ratings, priorities, goals and markers"

    def ready(self) -> None:
        # What an appointment reminder says about questionnaires due before it.
        from . import reminder_lines  # noqa: F401
