"""Keeping the stored summaries fresh as records change, readable in one place.

1. A service of ``patients`` or ``assessments`` saves something that feeds a patient's summaries
   and sends ``patients.signals.records_changed`` inside its transaction.
2. ``on_records_changed`` bumps the patient's ``SummaryState.dirty`` in that same transaction and
   asks, through ``ssm_outcomes.after_commit.once``, for one refresh of that patient once the
   transaction commits, however many records of theirs it saved.
3. The refresh is queued by task name (``ssm_outcomes.task_queue``): the worker runs
   ``indicators.tasks.refresh_patient_summaries``, which recomputes the patient's quarters
   (``indicators.patient_summaries``), records the dirty count it read as computed, and flags
   only the team and caseload summaries whose figures the new quarters moved
   (``indicators.group_summaries.group_targets``: the quarters that changed, the teams the
   patient is in, the caseloads of those who saw them); if any was fresh until then it queues a
   group refresh ``GROUP_REFRESH_SECONDS`` later, unless one is already waiting
   (``group_refresh_queue``). Group refreshes have a queue of their own (settings:
   ``CELERY_TASK_ROUTES``), so a patient's refresh never waits behind one, and only one runs at a
   time (an advisory lock). A refresh recomputes every group flagged by then, once; a change
   landing while it runs is caught by ``marks`` and leaves its group flagged, and the refresh
   then queues the next, a pause later. Under a steady stream of saves the groups are so
   recomputed once a pause, not round after round.
4. If the broker is down nothing is lost: the state stays dirty and the minute sweep
   (``indicators.tasks.sweep_stale_summaries``) finds it.

``patients.signals.teams_changed`` (a patient joined or left teams) flags the summaries of the
teams they are in now and of those they left.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db.models import F
from django.dispatch import receiver
from django.utils import timezone

from patients.signals import records_changed, teams_changed
from ssm_outcomes import after_commit
from ssm_outcomes.task_queue import enqueue

from .group_summaries import group_summaries_mark_stale
from .models import SummaryState

REFRESH_PATIENT = "indicators.tasks.refresh_patient_summaries"
REFRESH_GROUPS = "indicators.tasks.refresh_group_summaries"
# The shared flag that a group refresh is waiting, and how long past its pause it is trusted: a
# refresh lost with its worker holds later ones back for at most that long.
GROUP_REFRESH_WAITING = "indicators:group-refresh-waiting"
WAITING_GRACE = 60

log = logging.getLogger(__name__)


def summaries_mark_stale(*, patient_id: int) -> None:
    """Record that a patient's summaries are out of date and queue a refresh after commit: once
    per transaction, however many of the patient's records it saves (the refresh reads them all,
    so one more ``dirty`` makes them stale as surely as ten)."""

    def mark() -> None:
        updated = SummaryState.objects.filter(patient_id=patient_id).update(
            dirty=F("dirty") + 1, marked_at=timezone.now()
        )
        if not updated:
            _, created = SummaryState.objects.get_or_create(patient_id=patient_id)
            if not created:  # another transaction created it first
                SummaryState.objects.filter(patient_id=patient_id).update(dirty=F("dirty") + 1)
        after_commit.once(
            ("refresh patient", patient_id), lambda: patient_refresh_queue(patient_id)
        )

    after_commit.once_in_transaction(("summaries stale", patient_id), mark)


def patient_refresh_queue(patient_id: int) -> None:
    """Queue one patient's refresh; with the broker down the sweep does it instead."""
    enqueue(REFRESH_PATIENT, patient_id)


def group_refresh_queue() -> None:
    """Queue the team and caseload refresh to run after ``GROUP_REFRESH_SECONDS`` (a setting),
    unless one is already waiting: the saves of that pause share one refresh, which takes every
    group flagged by then, and under a steady stream of saves the groups are recomputed once a
    pause rather than round after round. The waiting refresh is a flag in the shared cache
    (``coordination``), cleared when the refresh starts (``group_refresh_started``) and expiring
    on its own if the refresh never comes; with no cache to ask, the refresh is queued anyway
    (two refreshes do the same work twice, nothing worse). With the broker down the flags stay
    set and the minute sweep refreshes them instead, so nothing is lost and nothing is raised."""
    delay = settings.GROUP_REFRESH_SECONDS
    try:
        first = caches["coordination"].add(GROUP_REFRESH_WAITING, True, delay + WAITING_GRACE)
    except Exception:  # the cache is down: queue one anyway
        log.warning("group refresh flag not readable; queueing the refresh", exc_info=True)
        first = True
    if not first:
        return
    if not enqueue(REFRESH_GROUPS, countdown=delay):
        group_refresh_started()  # nothing is waiting after all: the next save may queue one


def group_refresh_started() -> None:
    """The waiting team and caseload refresh has begun: a save from now on queues the next."""
    try:
        caches["coordination"].delete(GROUP_REFRESH_WAITING)
    except Exception:  # the flag expires on its own
        log.warning("group refresh flag not cleared", exc_info=True)


def group_summaries_mark_membership(*, patient_id: int, left_team_ids: Iterable[int]) -> None:
    """A patient joined or left teams: flag the summaries of the teams they are in now and of
    those they left, and queue their refresh after commit."""
    if group_summaries_mark_stale(patient_ids=[patient_id], team_ids=left_team_ids):
        after_commit.once("refresh groups", group_refresh_queue)


@receiver(records_changed, dispatch_uid="indicators.freshness.records")
def on_records_changed(sender: Any, *, patient_id: int, **kwargs: Any) -> None:
    summaries_mark_stale(patient_id=patient_id)


@receiver(teams_changed, dispatch_uid="indicators.freshness.teams")
def on_teams_changed(
    sender: Any, *, patient_id: int, left_team_ids: Iterable[int] = (), **kwargs: Any
) -> None:
    group_summaries_mark_membership(patient_id=patient_id, left_team_ids=left_team_ids)
