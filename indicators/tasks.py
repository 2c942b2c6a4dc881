"""Celery tasks: thin wrappers that take ids and call indicators.patient_summaries and
indicators.group_summaries. All are safe to run twice. When they are queued is
indicators/freshness.py and the beat schedule in settings."""

import logging

from celery import chord, current_app, shared_task
from django.utils import timezone

from assessments.models import Element

from . import comparisons, group_summaries, patient_summaries
from .freshness import group_refresh_queue, group_refresh_started

log = logging.getLogger(__name__)


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


# Rounds one in-process group refresh may go after its first (with a broker, each further round
# is a task of its own, a pause later).
EAGER_ROUNDS = 3


@shared_task(name="indicators.tasks.refresh_group_summaries", acks_late=True)
def refresh_group_summaries() -> int:
    """Recompute the stale team and caseload summaries once (on the groups queue, never ahead of a
    patient's refresh); if another refresh is running, or groups were flagged again while this
    one ran, queue the next after the pause (``GROUP_REFRESH_SECONDS``)."""
    group_refresh_started()
    done = group_summaries.group_summaries_refresh_stale()
    if current_app.conf.task_always_eager:
        # In-process (no broker) a queued task would run at once, inside this one: go round
        # again here instead, a bounded number of times (the minute sweep takes what is left).
        # A claim held elsewhere is held by another in-process refresh of this site (another
        # thread or web process), which goes round again itself.
        for _ in range(EAGER_ROUNDS):
            if done is None or not group_summaries.group_summaries_any_stale():
                break
            done += group_summaries.group_summaries_refresh_stale() or 0
        return done or 0
    if done is None or group_summaries.group_summaries_any_stale():
        group_refresh_queue()
    return done or 0


@shared_task(name="indicators.tasks.sweep_stale_summaries", acks_late=True)
def sweep_stale_summaries() -> int:
    """Catch up on patients whose refresh was never queued or never finished."""
    return patient_summaries.summaries_sweep_stale()


# --- The nightly rebuild, spread over every worker serving the rebuild queue -------------------
#
# rebuild_all_summaries cuts the patients into id ranges and runs them as a Celery chord: every
# piece (rebuild_summaries_chunk) on whichever worker is free, then rebuild_group_phase, which
# runs each quarter's team and caseload summaries (rebuild_group_period) as a second chord and
# ends with rebuild_finished. Without a broker (tasks in-process) it is the one-process rebuild.

# The rebuild's first log line: how many pieces of patients it queued (benchmarks.bench_summaries
# reads the number back).
PIECES_LOGGED = "summaries rebuild: %d equal pieces of patients, at most %d each"

PIECE_LIMITS = {"soft_time_limit": 3600, "time_limit": 3600 + 300}


@shared_task(
    name="indicators.tasks.rebuild_all_summaries",
    acks_late=True,
    soft_time_limit=3 * 3600,
    time_limit=3 * 3600 + 300,
)
def rebuild_all_summaries(chunk: int = patient_summaries.REBUILD_CHUNK) -> int:
    """Recompute every summary from scratch; return how many pieces of patients were queued (or,
    with tasks in-process, how many patients were written)."""
    if current_app.conf.task_always_eager:
        return patient_summaries.summaries_rebuild_all(chunk=chunk)
    pieces = patient_summaries.rebuild_chunks(size=chunk)
    log.info(PIECES_LOGGED, len(pieces), chunk)
    chord(
        (rebuild_summaries_chunk.si(lo, hi) for lo, hi in pieces),
        rebuild_group_phase.si().on_error(rebuild_piece_failed.s()),
    ).apply_async()
    return len(pieces)


@shared_task(
    name="indicators.tasks.rebuild_summaries_chunk",
    acks_late=True,
    ignore_result=False,  # a chord waits for every piece's result
    **PIECE_LIMITS,
)
def rebuild_summaries_chunk(lo: int, hi: int) -> int:
    return patient_summaries.summaries_rebuild_range(lo=lo, hi=hi)


@shared_task(name="indicators.tasks.rebuild_group_phase", acks_late=True, **PIECE_LIMITS)
def rebuild_group_phase() -> int:
    """After every patient: each quarter's team and caseload summaries, as pieces of their own."""
    patient_summaries.patient_phase_analyze()
    periods = group_summaries.group_summaries_periods_settle()
    chord(
        (rebuild_group_period.si(p) for p in periods),
        rebuild_finished.si().on_error(rebuild_piece_failed.s()),
    ).apply_async()
    return len(periods)


@shared_task(
    name="indicators.tasks.rebuild_group_period",
    acks_late=True,
    ignore_result=False,
    **PIECE_LIMITS,
)
def rebuild_group_period(period: str) -> int:
    """One quarter's team and caseload summaries; any a save flagged while they were computed
    stay flagged (``group_summaries_rebuild_all``) and have a refresh queued."""
    written = group_summaries.group_summaries_rebuild_all(periods=[period])
    if group_summaries.group_summaries_any_stale():
        group_refresh_queue()
    return written


@shared_task(name="indicators.tasks.rebuild_finished", acks_late=True)
def rebuild_finished() -> None:
    patient_summaries.group_phase_analyze()
    log.info("summaries rebuild: finished")


# The error logged when a piece of the rebuild failed (a test reads it back). Celery names the
# step that will not run (the task after the chord), not the piece: Celery's own error line
# before it names the piece and what it raised.
PIECE_FAILED_LOGGED = (
    "summaries rebuild: a piece failed, so the step after it (task %s) will not run; every "
    "team and caseload summary is flagged for the group refresh to recompute instead"
)


@shared_task(name="indicators.tasks.rebuild_piece_failed", acks_late=True)
def rebuild_piece_failed(task_id: str) -> int:
    """A piece of the rebuild failed (an error, a time limit, a lock not had in time), so the
    step after its chord (``task_id``) will not run: say so in the log, and flag every team and
    caseload summary, so that the group
    refresh (queued now; the minute sweep if it is lost) brings them into line with the patient
    summaries as they stand. Patients of the failed piece keep the summaries they had, which
    their own refreshes keep up to date. Returns how many were flagged."""
    log.error(PIECE_FAILED_LOGGED, task_id)
    flagged = group_summaries.group_summaries_flag_all()
    group_refresh_queue()
    return flagged


# --- The nightly fair comparison of teams, after the rebuild ----------------------------------


@shared_task(name="indicators.tasks.compare_teams", acks_late=True, **PIECE_LIMITS)
def compare_teams(periods: list[str] | None = None) -> list[str]:
    """Fit and store the comparison of every team for each period (by default the last two
    complete quarters); return the periods stored."""
    wanted = periods or comparisons.comparison_periods(timezone.localdate())
    for period in wanted:
        comparisons.comparison_run_compute(period)
    return list(wanted)
