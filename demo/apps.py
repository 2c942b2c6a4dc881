"""The demo app: the deterministic demo cohort."""

from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The deterministic demo cohort and `manage.py seed_demo`."""

    name = "demo"
