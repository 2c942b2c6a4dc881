"""Small helpers shared by the direct tests of assessments.services."""

import datetime as dt

from django.utils import timezone

from assessments.services import ELEMENT_RULE
from indicators.models import SummaryState


def today() -> dt.date:
    return timezone.localdate()


def days_ago(days: int) -> dt.date:
    return today() - dt.timedelta(days=days)


def tomorrow() -> dt.date:
    return today() + dt.timedelta(days=1)


def stale_marks(patient) -> int:
    """How often the patient's summaries have been marked out of date (0 before the first)."""
    state = SummaryState.objects.filter(patient=patient).first()
    return state.dirty if state else 0


def not_an_element(key: str) -> str:
    return f"{ELEMENT_RULE}; {key!r} is neither"
