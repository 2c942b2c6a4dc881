"""When a piece of the nightly rebuild fails, or cannot have a lock, the failure is said and its
consequence repaired: never a step silently skipped, never saves held up without limit.

A chord's next step (the group phase after the patients' pieces, the end after the quarters')
runs only when every piece succeeded. A piece that fails instead (an error, a lock it waited
for too long) has ``rebuild_piece_failed`` run: it logs an error and flags every team and
caseload summary for the group refresh, which recomputes them from the patient summaries as
they stand. A piece whose worker was killed is handed out again after the visibility timeout,
so the result store keeps the chord's count longer than that.
"""

import logging
import time
from unittest import mock

import psycopg2
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import OperationalError, connection

from assessments.services import rating_record
from indicators import tasks
from indicators.models import CaseloadSummary, PatientSummary, SummaryState, TeamSummary
from indicators.patient_summaries import summaries_rebuild_all
from indicators.summary_sql import patient_summaries_store
from tests.factories import PatientFactory, UserFactory
from tests.support.celery import project_celery_on
from tests.support.quarters import mid, seen
from tests.support.services import (
    PrivateRedis,
    Worker,
    database_url_for_subprocess,
    need_postgresql,
    need_redis_server_binary,
)
from tests.support.settings_probe import settings_read


def cohort(team) -> list:
    """Four patients of ``team`` rated in two quarters, one seen by a nurse; all rebuilt."""
    people = [PatientFactory(teams=[team]) for _ in range(4)]
    for n, person in enumerate(people):
        for period in ("2026Q1", "2026Q2"):
            rating_record(
                patient=person, element="H1", value=n, rated_on=mid(period), rater="patient"
            )
    seen(people[0], UserFactory(username="nurse"), "2026Q1")
    summaries_rebuild_all()
    return people


def flags() -> set[tuple[str, str, bool, int]]:
    return {
        (model.__name__, period, stale, marks)
        for model in (TeamSummary, CaseloadSummary)
        for period, stale, marks in model.objects.values_list("period", "stale", "marks")
    }


# --- Settings ---------------------------------------------------------------------------------


def test_the_chords_count_outlasts_the_redelivery_of_a_killed_workers_piece():
    read = settings_read(CELERY_RESULT_CHORD_EXPIRES=None, CELERY_VISIBILITY_TIMEOUT=None)
    assert read.CELERY_RESULT_CHORD_EXPIRES == 24 * 3600
    assert read.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] == 4 * 3600
    with pytest.raises(
        ImproperlyConfigured,
        match="CELERY_RESULT_CHORD_EXPIRES must be longer than CELERY_VISIBILITY_TIMEOUT",
    ):
        settings_read(CELERY_RESULT_CHORD_EXPIRES="3600", CELERY_VISIBILITY_TIMEOUT="14400")


@pytest.mark.parametrize("raw", ["30", "0s", "-5s", "30 s", "1h", "soon"])
def test_a_lock_timeout_pieces_cannot_use_is_refused_with_its_name_and_rule(raw):
    with pytest.raises(
        ImproperlyConfigured,
        match=(
            "SUMMARY_PIECE_LOCK_TIMEOUT must be a whole number above 0 followed by ms, s or min "
            rf"\(like 30s\), not '{raw}'"
        ),
    ):
        settings_read(SUMMARY_PIECE_LOCK_TIMEOUT=raw)


@pytest.mark.parametrize(("raw", "expected"), [(None, "30s"), ("500ms", "500ms"), ("2min", "2min")])
def test_the_pieces_lock_timeout_is_read_from_the_environment(raw, expected):
    assert expected == settings_read(SUMMARY_PIECE_LOCK_TIMEOUT=raw).SUMMARY_PIECE_LOCK_TIMEOUT


# --- What a failed piece leads to --------------------------------------------------------------


@pytest.mark.django_db
def test_both_chords_of_the_rebuild_have_a_failed_piece_said_and_repaired(team):
    cohort(team)
    conf = tasks.current_app.conf
    eager, conf.task_always_eager = conf.task_always_eager, False  # as with a broker
    try:
        with mock.patch.object(tasks, "chord") as chord:
            tasks.rebuild_all_summaries.run()
            tasks.rebuild_group_phase.run()
    finally:
        conf.task_always_eager = eager
    for call in chord.call_args_list:
        _, after = call.args
        assert [e["task"] for e in after.options["link_error"]] == [
            "indicators.tasks.rebuild_piece_failed"
        ]
    assert [call.args[1].task for call in chord.call_args_list] == [
        "indicators.tasks.rebuild_group_phase",
        "indicators.tasks.rebuild_finished",
    ]


@pytest.mark.django_db
def test_a_failed_piece_flags_every_group_for_the_refresh_and_says_so(team, caplog):
    cohort(team)
    before = flags()
    assert {(model, period, stale) for model, period, stale, _ in before} == {
        ("TeamSummary", "2026Q1", False),
        ("TeamSummary", "2026Q2", False),
        ("CaseloadSummary", "2026Q1", False),
        ("CaseloadSummary", "2026Q2", False),
    }
    with (
        mock.patch.object(tasks, "group_refresh_queue") as refresh,
        caplog.at_level(logging.ERROR, logger="indicators.tasks"),
    ):
        assert tasks.rebuild_piece_failed.run("step-7") == 4
    refresh.assert_called_once_with()
    # every one flagged, and its marks moved, so a refresh computing it now leaves it flagged
    assert flags() == {(model, period, True, marks + 1) for model, period, _, marks in before}
    assert [r.getMessage() for r in caplog.records if r.name == "indicators.tasks"] == [
        tasks.PIECE_FAILED_LOGGED % "step-7"
    ]


# --- A piece that cannot have its lock --------------------------------------------------------


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_piece_waits_for_a_lock_at_most_its_timeout_and_changes_nothing(team, settings):
    need_postgresql()
    people = cohort(team)
    rating_record(patient=people[1], element="H1", value=9, rated_on=mid("2026Q2"), rater="patient")
    state = SummaryState.objects.get(patient=people[1])
    settings.SUMMARY_PIECE_LOCK_TIMEOUT = "200ms"
    holder = psycopg2.connect(database_url_for_subprocess())
    try:
        with holder.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {PatientSummary._meta.db_table} IN SHARE MODE")
        with pytest.raises(OperationalError, match="lock timeout"):
            patient_summaries_store(lo=people[0].pk, hi=people[-1].pk)
    finally:
        holder.close()
    again = SummaryState.objects.get(patient=people[1])
    assert (again.dirty, again.computed_up_to) == (state.dirty, state.computed_up_to)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('lock_timeout')")
        assert cursor.fetchone() != ("200ms",)  # the chunk's setting did not outlive it


# --- End to end, through a real worker ---------------------------------------------------------


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_rebuild_whose_piece_cannot_have_its_lock_stops_says_so_and_the_groups_catch_up(team):
    need_postgresql()
    need_redis_server_binary()
    people = cohort(team)
    # Team figures that only a recomputation brings back.
    TeamSummary.objects.update(figures={}, patients=0)
    redis = PrivateRedis()
    redis.start()
    worker = Worker(broker_url=redis.url, database_url=database_url_for_subprocess())
    worker.env = {"SUMMARY_PIECE_LOCK_TIMEOUT": "300ms", "GROUP_REFRESH_SECONDS": "0"}
    holder = psycopg2.connect(database_url_for_subprocess())
    try:
        with holder.cursor() as cursor:
            # Summaries may be read, not written: the pieces fail, the group refresh can run.
            cursor.execute(f"LOCK TABLE {PatientSummary._meta.db_table} IN SHARE MODE")
        worker.start()
        with project_celery_on(redis.url):
            tasks.rebuild_all_summaries.delay(2)
            deadline = time.monotonic() + 90
            while TeamSummary.objects.filter(patients=len(people), stale=False).count() < 2:
                assert time.monotonic() < deadline, worker.log()[-3000:]
                time.sleep(0.2)
            log = worker.log()
    finally:
        holder.close()
        worker.stop()
        redis.stop()
    assert "lock timeout" in log
    assert "summaries rebuild: a piece failed" in log
    assert "Task indicators.tasks.rebuild_group_phase" not in log  # the step after is not run
    assert "summaries rebuild: finished" not in log
    # recomputed by the group refresh from the patient summaries as they stood
    assert TeamSummary.objects.get(period="2026Q2").figures != {}
