"""After a full rebuild has rewritten the summaries, PostgreSQL's planner is told what the summary
tables now hold (``ANALYZE``) before anything is planned on them.

Without it, on a database just filled and before autovacuum came round (or with it off), the
first refresh of a team after the rebuild was planned on guesses: on the 50,000-patient cohort
one took over a minute instead of 3 s, and the work queued behind it was never done. The patient
summaries are analysed when the patient phase ends, before the group phase reads them; the team
and caseload summaries when the group phase ends. SQLite plans these reads well without."""

import datetime as dt
import logging
import threading
from unittest import mock

import psycopg2
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.services import rating_record
from indicators import sql, tasks
from indicators.models import PatientSummary, TeamSummary
from indicators.patient_summaries import summaries_rebuild_all
from tests.factories import PatientFactory
from tests.support.services import database_url_for_subprocess, need_postgresql

pytestmark = pytest.mark.django_db

PATIENT_TABLES = 'ANALYZE "indicators_patientsummary", "indicators_summarystate"'
GROUP_TABLES = 'ANALYZE "indicators_teamsummary", "indicators_caseloadsummary"'


@pytest.fixture
def rated(team):
    for n in range(3):
        rating_record(
            patient=PatientFactory(teams=[team]),
            element="H1",
            value=n,
            rated_on=dt.date(2026, 2, 1 + n),
            rater="patient",
        )


# The bookkeeping around a statement: savepoints, and the lock timeout set for ANALYZE and back.
BOOKKEEPING = ("SAVEPOINT", "RELEASE SAVEPOINT", "SELECT current_setting", "SELECT set_config")


def _statements(run) -> list[str]:
    """The statements ``run`` sends that read or write, without the bookkeeping around them."""
    with CaptureQueriesContext(connection) as queries:
        run()
    return [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(BOOKKEEPING)]


def _first(statements: list[str], start: str) -> int:
    return next(i for i, sql in enumerate(statements) if sql.lstrip().startswith(start))


def test_the_rebuild_tells_the_planner_what_the_summary_tables_hold(rated):
    statements = _statements(summaries_rebuild_all)
    analysed = [sql for sql in statements if sql.startswith('ANALYZE "indicators_')]
    if connection.vendor != "postgresql":
        assert analysed == []
        return
    assert analysed[0] == PATIENT_TABLES
    assert analysed[-1] == GROUP_TABLES
    # the patient summaries before the group phase reads them, the groups' once it has written
    assert _first(statements, PATIENT_TABLES) < _first(statements, "CREATE TEMP TABLE group_")
    assert _first(statements, GROUP_TABLES) == len(statements) - 1


def test_the_rebuild_across_workers_does_the_same_between_and_after_its_phases(rated):
    with mock.patch.object(tasks, "chord") as chord:
        between = _statements(tasks.rebuild_group_phase.run)
    assert chord.called  # the quarters' pieces were queued after the statistics
    after = _statements(tasks.rebuild_finished.run)
    if connection.vendor != "postgresql":
        assert [s for s in between + after if s.startswith("ANALYZE")] == []
        assert after == []
        return
    assert between[0] == PATIENT_TABLES
    assert after == [GROUP_TABLES]


@pytest.fixture
def summaries_locked():
    """Another session holding the lock ANALYZE needs on the patient summaries, as a second
    rebuild's ANALYZE or a long maintenance command would. It lets go after 30 s at the latest,
    so that a rebuild waiting for it without limit fails the test instead of hanging it; the
    event yielded is set when it has let go."""
    need_postgresql()
    holder = psycopg2.connect(database_url_for_subprocess())
    with holder.cursor() as cursor:
        cursor.execute('LOCK TABLE "indicators_patientsummary" IN SHARE UPDATE EXCLUSIVE MODE')
    let_go = threading.Event()

    def release() -> None:
        let_go.set()
        holder.rollback()

    timer = threading.Timer(30, release)
    timer.start()
    yield let_go
    timer.cancel()
    holder.close()


@pytest.mark.services
def test_statistics_that_cannot_be_gathered_leave_the_rebuild_to_finish(
    rated, summaries_locked, caplog, monkeypatch
):
    """Statistics only speed the reads up: when ANALYZE cannot have its lock in time, the rebuild
    says so in the log and goes on, every team summary stored, instead of waiting or stopping."""
    monkeypatch.setattr(sql, "ANALYZE_LOCK_TIMEOUT", "200ms")
    with caplog.at_level(logging.WARNING, logger="indicators.sql"):
        summaries_rebuild_all()
    assert not summaries_locked.is_set()  # finished while the other session held the lock
    said = [r.getMessage() for r in caplog.records if r.name == "indicators.sql"]
    assert [message.split(":")[0] for message in said] == [
        "statistics not gathered for indicators_patientsummary, indicators_summarystate"
    ]
    assert "lock timeout" in said[0]
    team = TeamSummary.objects.get()
    assert (team.patients, team.stale) == (3, False)


@pytest.mark.services
def test_the_lock_timeout_of_the_callers_transaction_is_left_as_it_was(
    summaries_locked, monkeypatch
):
    """ANALYZE waits at most ``ANALYZE_LOCK_TIMEOUT`` for its lock, gathered or not; the caller's
    own setting holds again for the rest of its transaction."""
    monkeypatch.setattr(sql, "ANALYZE_LOCK_TIMEOUT", "200ms")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL lock_timeout = '3s'")
        assert sql.tables_analyze(TeamSummary) is True
        assert sql.tables_analyze(PatientSummary) is False  # locked by the other session
        cursor.execute("SELECT current_setting('lock_timeout')")
        assert cursor.fetchone() == ("3s",)
