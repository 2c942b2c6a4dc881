"""Celery tasks: thin wrappers that take ids and call services."""

from celery import shared_task

from assessments.models import Element


@shared_task(name="indicators.tasks.ping", acks_late=True)
def ping() -> dict:
    """Prove a worker is alive and can read the database."""
    return {"pong": True, "framework_elements": Element.objects.framework().count()}
