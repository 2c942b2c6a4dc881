from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "patients"
    verbose_name = "People, teams and care"

    def ready(self) -> None:
        from . import notifications  # noqa: F401  (connects the credentials_changed receiver)
