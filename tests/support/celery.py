"""Pointing the project's Celery app at a broker for the length of a test."""

from contextlib import contextmanager

from ssm_outcomes.celery import app


def _reset_connections() -> None:
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def project_celery_on(broker_url: str):
    """Send the project's tasks to this broker (not in-process) while the block runs."""
    saved = {k: app.conf[k] for k in ("broker_url", "result_backend", "task_always_eager")}
    app.conf.update(broker_url=broker_url, result_backend=broker_url, task_always_eager=False)
    _reset_connections()
    try:
        yield app
    finally:
        app.conf.update(saved)
        _reset_connections()
