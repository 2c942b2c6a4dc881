"""Summaries stay fresh through a real worker and survive the broker going away.

Each test starts its own `redis-server` on a free port (never the shared one on 6379) and a real
`celery worker` process reading the test database, so nothing here runs in eager mode.
"""

import datetime as dt
import time

import pytest

from assessments.services import rating_record
from indicators.models import PatientSummary, SummaryState
from indicators.tasks import refresh_patient_summaries, sweep_stale_summaries
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

DAY = dt.date(2026, 2, 10)


@pytest.fixture
def private_redis():
    need_postgresql()
    need_redis_server_binary()
    redis = PrivateRedis()
    redis.start()
    yield redis
    redis.stop()


def wait_until(condition, *, what: str, log, timeout=45.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}; worker log:\n{log()[-3000:]}")


def is_fresh(patient) -> bool:
    state = SummaryState.objects.filter(patient=patient).first()
    return state is not None and state.dirty == state.computed_up_to


def index_of(patient, period="2026Q1"):
    return PatientSummary.objects.get(patient=patient, period=period).index


def test_a_saved_rating_reaches_its_summary_through_a_real_worker(private_redis, patient):
    with (
        running_worker(
            broker_url=private_redis.url, database_url=database_url_for_subprocess()
        ) as worker,
        project_celery_on(private_redis.url),
    ):
        rating_record(patient=patient, element="H1", value=7, rated_on=DAY, rater="patient")

        wait_until(lambda: is_fresh(patient), what="the worker to refresh", log=worker.log)

    assert index_of(patient) == pytest.approx(70.0)


def test_with_redis_stopped_a_rating_still_saves_and_the_sweep_catches_up(private_redis, patient):
    with project_celery_on(private_redis.url):
        private_redis.stop()

        rating = rating_record(
            patient=patient, element="H2", value=4, rated_on=DAY, rater="patient"
        )

        assert rating.pk is not None
        assert not is_fresh(patient)
        assert not PatientSummary.objects.filter(patient=patient).exists()

        private_redis.start()
        with running_worker(
            broker_url=private_redis.url, database_url=database_url_for_subprocess()
        ) as worker:
            sweep_stale_summaries.delay()
            wait_until(lambda: is_fresh(patient), what="the sweep", log=worker.log)

    assert index_of(patient) == pytest.approx(40.0)


def test_a_refresh_delivered_twice_leaves_one_correct_summary(private_redis, patient):
    rating_record(patient=patient, element="R1", value=9, rated_on=DAY, rater="patient")
    with (
        running_worker(
            broker_url=private_redis.url, database_url=database_url_for_subprocess()
        ) as worker,
        project_celery_on(private_redis.url),
    ):
        SummaryState.objects.filter(patient=patient).update(computed_up_to=0)
        refresh_patient_summaries.delay(patient.pk)
        refresh_patient_summaries.delay(patient.pk)
        wait_until(lambda: is_fresh(patient), what="both deliveries", log=worker.log)
        time.sleep(0.5)  # let the second delivery finish too

    assert PatientSummary.objects.filter(patient=patient).count() == 1
    assert index_of(patient) == pytest.approx(90.0)
