"""The rebuild benchmark's floor (benchmarks/floor.py) computes, in one statement, the index and
coverage the rebuild stores for every patient-quarter: the same quarters, the same figures."""

import datetime as dt

import pytest

from benchmarks.floor import floor_rows
from indicators.models import PatientSummary
from indicators.patient_summaries import summaries_rebuild_all
from tests.support.services import need_postgresql

pytestmark = pytest.mark.services


@pytest.mark.django_db
def test_the_floor_has_every_stored_quarter_with_its_index_and_coverage():
    need_postgresql()
    from demo.cohort import demo_cohort_create

    demo_cohort_create(patients=25, seed=3, anchor=dt.date(2026, 11, 1))
    summaries_rebuild_all()

    floor = floor_rows()
    stored = {
        (pid, period): (index, coverage)
        for pid, period, index, coverage in PatientSummary.objects.values_list(
            "patient_id", "period", "index", "coverage"
        )
    }
    assert len(stored) > 100
    assert set(floor) == set(stored)
    assert any(index is None for index, _ in stored.values())  # quarters without a rating
    assert any(0 < coverage < 1 for _, coverage in stored.values())
    for key, (index, coverage) in stored.items():
        assert floor[key] == (
            None if index is None else pytest.approx(index, abs=1e-9),
            pytest.approx(coverage, abs=1e-9),
        ), key
    # One patient's range, as the freshness benchmark asks after each save: that patient's rows.
    pid = min(p for p, _ in stored)
    assert floor_rows(pid, pid) == {k: v for k, v in floor.items() if k[0] == pid}
