"""App configuration; importing ``indicators.freshness`` at ready connects its receivers."""

from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = "Summaries"

    def ready(self) -> None:
        # The freshness receivers listen to patients.signals; the tasks register by name.
        from . import freshness, tasks  # noqa: F401
