"""Celery tasks: thin wrappers that take ids and call indicators.patient_summaries and
indicators.group_summaries. All are safe to run twice. When they are queued is
indicators/freshness.py and the beat schedule in settings."""

from celery import shared_task

from assessments.models import Element

from . import group_summaries, patient_summaries
from .freshness import group_refresh_queue


@shared_task(name="indicators.tasks.ping", acks_late=True, ignore_result=False)
def ping() -> dict:
    """Prove a worker is alive and can read the database."""
    return {"pong": True, "framework_elements": Element.objects.framework().count()}


@shared_task(name="indicators.tasks.refresh_patient_summaries", acks_late=True)
def refresh_patient_summaries(patient_id: int) -> bool:
    """Bring one patient's summaries up to date, then (once) the team and caseload views."""
    groups_went_stale = patient_summaries.patient_summaries_refresh(patient_id=patient_id)
    if groups_went_stale:
        group_refresh_queue()
    return groups_went_stale


@shared_task(name="indicators.tasks.refresh_group_summaries", acks_late=True)
def refresh_group_summaries() -> int:
    """Recompute the stale team and caseload summaries (on the groups queue, never ahead of a
    patient's refresh); if another refresh is running, try again after the debounce."""
    done = group_summaries.group_summaries_refresh_stale()
    if done is None:
        group_refresh_queue()
        return 0
    return done


@shared_task(name="indicators.tasks.sweep_stale_summaries", acks_late=True)
def sweep_stale_summaries() -> int:
    """Catch up on patients whose refresh was never queued or never finished."""
    return patient_summaries.summaries_sweep_stale()


@shared_task(
    name="indicators.tasks.rebuild_all_summaries",
    acks_late=True,
    soft_time_limit=3 * 3600,
    time_limit=3 * 3600 + 300,
)
def rebuild_all_summaries() -> int:
    return patient_summaries.summaries_rebuild_all()
