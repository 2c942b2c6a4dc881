"""The one-page consultation summary of a patient: what the clinician wants on paper before or
during a consultation, in the order a conversation goes (the person's priorities and agenda
first, then how things are going, goals, markers and life events)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from assessments.models import Element, Rating
from clinic.selectors import PatientRecord, patient_record
from indicators.scoring import period_of, previous_period
from patients.models import Patient

#: How many life events the page lists (newest first); the record has them all.
LIFE_EVENTS = 5


@dataclass(frozen=True)
class RatingLine:
    """One element the patient rated: their latest rating this quarter beside last quarter's."""

    element: Element
    now: int | None
    before: int | None

    @property
    def change(self) -> int | None:
        return None if self.now is None or self.before is None else self.now - self.before


@dataclass
class ConsultationSummary:
    record: PatientRecord
    period: str
    previous: str
    ratings: list[RatingLine]
    life_events: list


def consultation_summary(*, patient: Patient) -> ConsultationSummary:
    record = patient_record(patient=patient, encounters=0)
    period = period_of(timezone.localdate())
    previous = previous_period(period)
    latest: dict[tuple[int, str], int] = {}
    elements: dict[int, Element] = {}
    # The patient's own ratings (or a proxy's), newest first: the first seen per element and
    # quarter is the latest.
    for rating in (
        Rating.objects.filter(patient=patient, rater__in=["patient", "proxy"])
        .select_related("element__domain")
        .order_by("-rated_on", "-id")
    ):
        quarter = period_of(rating.rated_on)
        if quarter not in (period, previous):
            continue
        elements.setdefault(rating.element_id, rating.element)
        latest.setdefault((rating.element_id, quarter), rating.value)
    lines = [
        RatingLine(element, latest.get((pk, period)), latest.get((pk, previous)))
        for pk, element in elements.items()
    ]
    lines.sort(key=lambda line: (line.element.domain.order, line.element.order, line.element.pk))
    return ConsultationSummary(
        record=record,
        period=period,
        previous=previous,
        ratings=lines,
        life_events=record.context_events[:LIFE_EVENTS],
    )
