"""Pointing the project's Celery app at a broker for the length of a test."""

import os
from contextlib import contextmanager

from kombu import pools

from ssm_outcomes.celery import app


def _reset_connections() -> None:
    # kombu keeps process-wide pools keyed by broker; drop them all so the next publish
    # connects afresh to whatever broker the app now names.
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def project_celery_on(broker_url: str):
    """Send the project's tasks to this broker (not in-process) while the block runs."""
    saved = {k: app.conf[k] for k in ("broker_url", "result_backend", "task_always_eager")}
    # Celery reads CELERY_BROKER_URL from the environment before its own configuration.
    saved_env = os.environ.get("CELERY_BROKER_URL")
    os.environ["CELERY_BROKER_URL"] = broker_url
    app.conf.update(broker_url=broker_url, result_backend=broker_url, task_always_eager=False)
    _reset_connections()
    try:
        yield app
    finally:
        app.conf.update(saved)
        if saved_env is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = saved_env
        _reset_connections()
