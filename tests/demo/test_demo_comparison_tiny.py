"""A demo cohort of any size is compared and stored by ``seed_demo``, as the nightly task would:
a figure with a single team shown (no test of spread between teams), and a single patient
(every outcome the same, nothing for a case-mix model to fit)."""

import io
import json

import pytest
from django.core.management import call_command

from indicators.models import ComparisonRun

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("patients", "seed", "anchor"),
    [
        (12, 5, "2026-11-28"),  # a figure with a single team shown
        (1, 1, "2026-11-01"),  # one patient: every outcome the same
    ],
)
def test_a_tiny_cohort_is_still_compared_and_stored(patients, seed, anchor):
    out = io.StringIO()
    call_command(
        "seed_demo", force=True, stdout=out, patients=patients, seed=seed, anchor_date=anchor
    )
    assert "Teams compared for" in out.getvalue()
    runs = ComparisonRun.objects.all()
    assert runs.count() == 2
    for run in runs:
        for stored in run.figures.values():
            # Stored as JSON any reader can load: no infinity, no NaN.
            json.dumps(stored, allow_nan=False)
