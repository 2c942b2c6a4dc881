"""The least an encounter form needs to be saved, as a clinician's browser sends it."""

from django.utils import timezone


def encounter_post(**extra) -> dict:
    """A face-to-face encounter of 15 minutes, now, with ``extra`` fields added or replaced."""
    return {
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "mode": "face_to_face",
        "initiated_by": "service",
        "duration_minutes": "15",
        "target_relevant": "on",  # ticked when the form is shown, so a browser sends it
        "context_visible_to_patient": "on",  # likewise
        **extra,
    }
