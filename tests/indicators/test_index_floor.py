"""The benchmark's SQL floor computes the same index as the full summaries."""

import datetime as dt

import pytest
from django.db import connection

from indicators import sql
from indicators.models import PatientSummary
from indicators.patient_summaries import summaries_rebuild_all
from indicators.scoring import period_from_number


@pytest.mark.django_db
def test_the_sql_floor_gives_the_same_indices_as_the_rebuild():
    from demo.cohort import demo_cohort_create

    demo_cohort_create(patients=25, seed=3, anchor=dt.date(2026, 11, 1))
    summaries_rebuild_all()
    with connection.cursor() as cursor:
        cursor.execute(sql.index_floor_sql(), sql.params(0, 2**62))
        rows = cursor.fetchall()
    floor = {(pid, period_from_number(pn)): value for pid, pn, value in rows}

    stored = {
        (pid, period): index
        for pid, period, index in PatientSummary.objects.values_list(
            "patient_id", "period", "index"
        )
    }
    assert len(floor) > 100
    assert len(rows) == len(floor)  # one row per patient and quarter
    # the same patient-quarters have an index both ways (the rebuild stores quarters without one)
    assert set(floor) == {key for key, index in stored.items() if index is not None}
    for key, value in floor.items():
        assert stored[key] == pytest.approx(float(value)), key
