"""The freshness benchmark's last look (benchmarks/bench_freshness.py ``_settle``): once the queues
are empty it recomputes the team summaries the saves touched, counts those that differ from what
is stored (a lost update), and judges fresh a save whose team was computed too soon after the
patient's commit for the watcher to see it, only when that team stores what a recomputation
gives."""

import datetime as dt
import math
import time

import pytest

from assessments.services import rating_record
from benchmarks.bench_freshness import Save, _settle
from indicators.models import PatientSummary, TeamSummary
from indicators.scoring import period_of
from indicators.services import summaries_rebuild_all
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 5, 12)
PERIOD = period_of(DAY)


@pytest.fixture
def saves(team, other_team):
    """Two patients rated and their summaries stored, each save seen fresh for its patient and
    not (yet) for its teams."""
    sent = time.time() - 60
    made = []
    for n, teams in enumerate(([team], [team, other_team])):
        person = PatientFactory(teams=teams)
        rating_record(patient=person, element="H1", value=3 + n, rated_on=DAY, rater="patient")
        made.append(
            Save(
                patient_id=person.pk,
                teams=[t.pk for t in teams],
                period=PERIOD,
                sent=sent,
                status=201,
                patient_fresh=0.5,
                patient_seen=sent + 0.5,
            )
        )
    summaries_rebuild_all()
    return made


def test_teams_that_store_what_a_recomputation_gives_settle_their_saves(saves):
    assert _settle(saves) == 0
    stored = {t.team_id: t.computed_at for t in TeamSummary.objects.filter(period=PERIOD)}
    for save in saves:
        assert save.settled
        latest = max(stored[t].timestamp() for t in save.teams)
        assert save.team_fresh == pytest.approx(latest - save.sent)
        assert not math.isinf(save.team_fresh)


def test_a_team_summary_that_missed_an_update_is_counted_and_its_saves_stay_never(
    saves, other_team
):
    TeamSummary.objects.filter(team=other_team, period=PERIOD).update(patients=7)
    assert _settle(saves) == 1
    first, second = saves
    assert first.settled  # its only team is right
    assert not second.settled
    assert math.isinf(second.team_fresh)
    # The recomputation was rolled back: what is stored is left as it was found.
    assert TeamSummary.objects.get(team=other_team, period=PERIOD).patients == 7


def test_a_team_computed_before_the_patients_summary_does_not_settle_the_save(saves, team):
    later = TeamSummary.objects.get(team=team, period=PERIOD).computed_at + dt.timedelta(hours=1)
    PatientSummary.objects.filter(patient_id=saves[0].patient_id).update(computed_at=later)
    assert _settle(saves) == 0
    assert not saves[0].settled
    assert math.isinf(saves[0].team_fresh)


def test_a_stale_team_does_not_settle_the_save(saves, team):
    TeamSummary.objects.filter(team=team, period=PERIOD).update(stale=True)
    _settle(saves)
    assert not any(s.settled for s in saves)
