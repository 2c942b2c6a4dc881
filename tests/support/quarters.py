"""Records placed in a given quarter, for tests of the summaries and their flags."""

import datetime as dt

from patients.services import encounter_record


def mid(period: str) -> dt.date:
    """The 15th of the middle month of ``period`` (``2026Q2``: 15 May 2026)."""
    year, quarter = int(period[:4]), int(period[5])
    return dt.date(year, quarter * 3 - 1, 15)


def seen(patient, clinician, period: str) -> None:
    """A ten-minute phone call of ``clinician`` with ``patient`` in the middle of ``period``."""
    day = mid(period)
    encounter_record(
        patient=patient,
        clinician=clinician,
        occurred_at=dt.datetime(day.year, day.month, day.day, 10, tzinfo=dt.UTC),
        mode="phone",
        initiated_by="service",
        duration_minutes=10,
    )
