"""The Celery app works for real: a worker process on Redis runs a task and returns its result."""

import pytest
from celery import Celery

from tests.support.services import (
    database_url_for_subprocess,
    need_postgresql,
    need_redis,
    running_worker,
)

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def client_app(broker_url: str) -> Celery:
    app = Celery("ssm-test-client", broker=broker_url, backend=broker_url)
    app.conf.update(task_serializer="json", result_serializer="json", accept_content=["json"])
    return app


def test_a_real_worker_runs_a_task_and_returns_its_result():
    broker = need_redis()
    need_postgresql()
    with running_worker(
        broker_url=broker, database_url=database_url_for_subprocess(), own_queue=True
    ) as worker:
        result = client_app(broker).send_task("indicators.tasks.ping", queue=worker.queue)

        value = result.get(timeout=60)

    assert value == {"pong": True, "framework_elements": 13}, worker.log()


def test_celery_is_configured_for_json_late_acks_and_time_limits():
    from ssm_outcomes.celery import app

    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert 0 < app.conf.task_soft_time_limit < app.conf.task_time_limit
    assert set(app.conf.beat_schedule) >= {"summaries-sweep-stale", "summaries-nightly-rebuild"}
