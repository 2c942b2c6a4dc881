"""The interop app: FHIR R4 export and import."""

from django.apps import AppConfig


class InteropConfig(AppConfig):
    """FHIR R4 export and import. (Not named `fhir`: that would clash with fhir.resources.)"""

    name = "interop"
