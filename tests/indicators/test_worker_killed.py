"""A worker killed mid-task (SIGKILL, main process and pool child) loses no work: the task was
not acknowledged, so it is handed to the next worker, and the summaries come out right."""

import datetime as dt
import os
import signal
import time

import psycopg2
import pytest

from indicators.models import PatientSummary, SummaryState
from indicators.tasks import rebuild_all_summaries
from tests.support.celery import project_celery_on
from tests.support.services import (
    PrivateRedis,
    Worker,
    database_url_for_subprocess,
    need_postgresql,
    need_redis_server_binary,
)

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def children_of(pid: int) -> list[int]:
    path = f"/proc/{pid}/task/{pid}/children"
    if not os.path.exists(path):
        return []
    with open(path) as handle:
        return [int(p) for p in handle.read().split()]


def test_a_task_whose_worker_is_killed_is_redone_by_the_next_worker(team):
    need_postgresql()
    need_redis_server_binary()
    from demo.cohort import demo_cohort_create

    demo_cohort_create(patients=40, seed=5, anchor=dt.date(2026, 11, 1))
    SummaryState.objects.all().delete()
    redis = PrivateRedis()
    redis.start()
    first = Worker(broker_url=redis.url, database_url=database_url_for_subprocess(), pool="prefork")
    first.env = {
        "CELERY_VISIBILITY_TIMEOUT": "4",
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
    }
    second = Worker(
        broker_url=redis.url, database_url=database_url_for_subprocess(), pool="prefork"
    )
    second.env = first.env
    # The piece of patients waits on this lock until its worker is killed, so it is killed
    # mid-task whatever the machine's speed (40 patients otherwise take a fraction of a second).
    held = psycopg2.connect(database_url_for_subprocess())
    try:
        first.start()
        with held.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {SummaryState._meta.db_table} IN ACCESS EXCLUSIVE MODE")
        with project_celery_on(redis.url):
            rebuild_all_summaries.delay()
            deadline = time.monotonic() + 60
            while "Task indicators.tasks.rebuild_summaries_chunk" not in first.log():
                assert time.monotonic() < deadline, first.log()
                time.sleep(0.05)
            for pid in [*children_of(first.process.pid), first.process.pid]:
                os.kill(pid, signal.SIGKILL)  # the pool child mid-task, then the main process
            first.process.wait(10)
            held.rollback()  # the killed piece's session ends without committing
            assert not PatientSummary.objects.exists() or SummaryState.objects.count() < 40

            second.start()
            deadline = time.monotonic() + 90
            while SummaryState.objects.count() < 40:
                assert time.monotonic() < deadline, second.log()
                time.sleep(0.2)
    finally:
        held.close()
        second.stop()
        first.stop()
        redis.stop()

    stored = {(s.patient_id, s.period): s.index for s in PatientSummary.objects.all()}
    from indicators.patient_summaries import summaries_rebuild_all

    summaries_rebuild_all()
    fresh = {(s.patient_id, s.period): s.index for s in PatientSummary.objects.all()}
    assert stored == fresh
    assert len(stored) > 40
