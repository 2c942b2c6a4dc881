"""A deterministic demo cohort: staff, teams and two years of patients' records, bulk-inserted.

Every choice comes from ``random.Random`` seeded from the given seed, so a seed and an anchor date
always give the same cohort. This module composes the parts: the fixed words and codes
(``demo.vocabulary``), the plan of each patient's history (``demo.planner``), made one chunk of
patients at a time as plain rows (``demo.rows``), and the writers that insert them
(``demo.writers``: ``bulk_create`` anywhere, COPY on PostgreSQL). On PostgreSQL the filled tables'
foreign keys and plain indexes are rebuilt after the load instead of row by row, so the run holds
exclusive locks on them until it commits: seed a demo database, not one serving users.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from assessments.models import Element, Marker
from demo.planner import Context, Planner, quarter_windows
from demo.rows import Ref, Rows
from demo.vocabulary import (
    CONDITIONS,
    DEMO_LOGINS,
    DEMO_PATIENT,
    DEMO_TEAM_NAMES,
    DEMO_USERNAMES,
    DUTCH_PATIENT,
    FRAMEWORK,
    MARKERS,
)
from demo.writers import bulk_loading, rows_write, staff_create
from patients.models import ConditionCode, User

__all__ = [
    "CHUNK_SIZE",
    "DEMO_LOGINS",
    "DEMO_TEAM_NAMES",
    "DEMO_USERNAMES",
    "CohortStats",
    "DemoCohortExistsError",
    "Ref",
    "demo_cohort_create",
    "demo_cohort_exists",
]

CHUNK_SIZE = 1000


class DemoCohortExistsError(Exception):
    """The demo logins are already there: a second cohort would clash with the first."""


@dataclass(frozen=True)
class CohortStats:
    """What a run created: the number of patients and the rows inserted per table."""

    patients: int
    rows: dict[str, int]


def demo_cohort_exists() -> bool:
    """Whether demo data is present, judged by the demo clinician's login."""
    return User.objects.filter(username=DEMO_USERNAMES[0]).exists()


@transaction.atomic
def demo_cohort_create(
    *, patients: int, seed: int, anchor: date, chunk_size: int = CHUNK_SIZE
) -> CohortStats:
    """Create the demo staff, six teams and `patients` patients with two years of history.

    The first patient is demo-patient; the last, when there are two or more, is demo-patient-nl,
    planned from a random stream of her own so every other patient is the same with or without
    her (the main stream still draws the seed of the patient she stands in for).
    """
    if patients < 1:
        raise ValueError("patients must be 1 or more")
    if demo_cohort_exists():
        raise DemoCohortExistsError("demo data already exists (user demo-clinician is present)")
    rng = _random(seed)
    dutch = patients >= 2
    staff = staff_create(password=settings.DEMO_PASSWORD, dutch=dutch)
    ctx = _context_load(anchor=anchor, staff=staff)
    counts: Counter[str] = Counter()
    with bulk_loading() as writer:
        for start in range(0, patients, chunk_size):
            rows = Rows()
            for number in range(start, min(start + chunk_size, patients)):
                stream = _random(rng.getrandbits(64))
                if number == 0:
                    Planner(rows, ctx, stream, demo=DEMO_PATIENT).plan()
                elif dutch and number == patients - 1:
                    Planner(rows, ctx, _random(f"{seed}-nl"), demo=DUTCH_PATIENT).plan()
                else:
                    Planner(rows, ctx, stream, demo=None).plan()
            rows_write(rows, writer, counts)
    return CohortStats(patients=patients, rows=dict(counts))


def _random(seed: int | str) -> random.Random:
    return random.Random(seed)  # noqa: S311 - reproducible demo data, not security


def _context_load(*, anchor: date, staff: tuple[dict[str, int], dict[str, Any]]) -> Context:
    """What every plan reads: the reference data's ids (from the migrations) and the new staff."""
    elements = dict(Element.objects.framework().values_list("code", "id"))
    by_loinc = {marker.loinc: marker for marker in Marker.objects.all()}
    by_snomed = {code.snomed_code: code for code in ConditionCode.objects.all()}
    try:
        found = {key: by_loinc[row[0]] for key, row in MARKERS.items()}
        conditions = {key: by_snomed[row[0]] for key, row in CONDITIONS.items()}
        elements = {code: elements[code] for code in FRAMEWORK}
    except KeyError as missing:
        raise RuntimeError(f"reference data {missing} is missing: run migrate") from None
    markers = {
        key: (m.pk, float(m.plausible_low), float(m.plausible_high)) for key, m in found.items()
    }
    users, teams = staff
    tz = timezone.get_default_timezone()
    window = quarter_windows(anchor)
    return Context(anchor, window, tz, elements, markers, conditions, teams, users)
