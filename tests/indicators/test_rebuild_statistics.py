"""After a full rebuild has rewritten the summaries, PostgreSQL's planner is told what the summary
tables now hold (``ANALYZE``) before anything is planned on them.

Without it, on a database just filled and before autovacuum came round (or with it off), the
first refresh of a team after the rebuild was planned on guesses: on the 50,000-patient cohort
one took over a minute instead of 3 s, and the work queued behind it was never done. The patient
summaries are analysed when the patient phase ends, before the group phase reads them; the team
and caseload summaries when the group phase ends. SQLite plans these reads well without."""

import datetime as dt
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.services import rating_record
from indicators import tasks
from indicators.patient_summaries import summaries_rebuild_all
from tests.factories import PatientFactory

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


def _statements(run) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        run()
    return [q["sql"] for q in queries.captured_queries]


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
