"""The nightly rebuild spread over worker processes stores exactly what one process stores.

A real `celery worker` with two processes, on a `redis-server` of the test's own, runs the
rebuild as the beat schedule queues it: pieces of patients, then each quarter's groups.
"""

import datetime as dt
import time

import pytest

from assessments.services import rating_record
from indicators.models import CaseloadSummary, PatientSummary, TeamSummary
from indicators.patient_summaries import rebuild_chunks, summaries_rebuild_all
from indicators.tasks import rebuild_all_summaries
from patients.services import encounter_record
from tests.factories import PatientFactory, TeamFactory, UserFactory
from tests.support.celery import project_celery_on
from tests.support.services import (
    PrivateRedis,
    database_url_for_subprocess,
    need_postgresql,
    need_redis_server_binary,
    running_worker,
)

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def cohort() -> None:
    """Three teams over four quarters, two clinicians, some patients in two teams."""
    teams = [TeamFactory(name=f"Team {n}") for n in range(3)]
    nurses = [UserFactory(username=f"nurse{n}") for n in range(2)]
    for n in range(23):
        person = PatientFactory(teams=[teams[n % 3], *([teams[0]] if n % 5 == 0 else [])])
        for q, month in enumerate((2, 5, 8, 11)):
            day = dt.date(2026, month, 1 + n % 20)
            rating_record(
                patient=person, element="H1", value=(n + q) % 11, rated_on=day, rater="patient"
            )
            rating_record(
                patient=person, element="M2", value=(n * q) % 11, rated_on=day, rater="patient"
            )
        if n % 2:
            encounter_record(
                patient=person,
                clinician=nurses[n % 4 // 2],
                occurred_at=dt.datetime(2026, 2 + 3 * (n % 4), 3, 10, tzinfo=dt.UTC),
                mode="phone",
                initiated_by="patient" if n % 3 else "service",
                duration_minutes=10,
            )


def stored() -> dict:
    """Every stored summary, without when it was computed."""
    patients = {}
    for s in PatientSummary.objects.values():
        del s["id"], s["computed_at"]
        patients[s["patient_id"], s["period"]] = s
    groups = {}
    for model, owner in ((TeamSummary, "team_id"), (CaseloadSummary, "clinician_id")):
        for s in model.objects.values(owner, "period", "patients", "figures", "stale"):
            groups[model.__name__, s[owner], s["period"]] = s
    return {"patients": patients, "groups": groups}


def test_the_rebuild_over_two_worker_processes_stores_what_one_process_stores():
    need_postgresql()
    need_redis_server_binary()
    cohort()
    summaries_rebuild_all()
    expected = stored()
    assert len(expected["patients"]) == 23 * 4
    assert len(expected["groups"]) == (3 + 2) * 4
    PatientSummary.objects.all().delete()
    TeamSummary.objects.update(figures={}, patients=0)
    CaseloadSummary.objects.all().delete()
    assert len(rebuild_chunks(size=5)) == 5  # 23 patients in pieces of 5

    redis = PrivateRedis()
    redis.start()
    try:
        with (
            running_worker(
                broker_url=redis.url,
                database_url=database_url_for_subprocess(),
                pool="prefork",
                concurrency=2,
            ) as worker,
            project_celery_on(redis.url),
        ):
            rebuild_all_summaries.delay(5)
            deadline = time.monotonic() + 90
            while stored() != expected and time.monotonic() < deadline:
                time.sleep(0.25)
            log = worker.log()
    finally:
        redis.stop()

    assert stored() == expected, log[-3000:]
    assert log.count("indicators.tasks.rebuild_summaries_chunk") >= 5
    assert "summaries rebuild: finished" in log
