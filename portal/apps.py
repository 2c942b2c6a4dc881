"""The portal app: the patient's pages."""

from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The patient's pages under /me/."""

    name = "portal"
