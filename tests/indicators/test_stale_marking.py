"""A patient's refresh flags only the team and caseload summaries whose figures it moved; group
refreshes run one at a time, on a queue of their own, and never lose a change landing meanwhile."""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

import pytest
from celery import current_app
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.services import rating_record
from indicators import group_sql, group_summaries, tasks
from indicators.group_summaries import CASELOAD, TEAM, group_summaries_refresh_stale
from indicators.models import CaseloadSummary, TeamSummary
from indicators.patient_summaries import patient_summaries_refresh, summaries_rebuild_all
from tests.factories import PatientFactory, UserFactory
from tests.support.quarters import mid, seen
from tests.support.services import need_postgresql

pytestmark = pytest.mark.django_db

QUARTERS = ["2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3", "2026Q4"]


@pytest.fixture
def eight_quarters(team, other_team):
    """Five patients of `team` rated in each of eight quarters, one of them seen by two
    clinicians (in 2025Q1 and 2026Q1), five of `other_team`; every summary rebuilt and fresh."""
    people = [PatientFactory(teams=[team]) for _ in range(5)]
    others = [PatientFactory(teams=[other_team]) for _ in range(5)]
    for person in people + others:
        for period in QUARTERS:
            rating_record(
                patient=person, element="H1", value=5, rated_on=mid(period), rater="patient"
            )
    early, late = UserFactory(username="early"), UserFactory(username="late")
    seen(people[0], early, "2025Q1")
    seen(people[0], late, "2026Q1")
    summaries_rebuild_all()
    assert not TeamSummary.objects.filter(stale=True).exists()
    assert not CaseloadSummary.objects.filter(stale=True).exists()
    return people, early, late


def stale(model, field):
    return set(model.objects.filter(stale=True).values_list(field, "period"))


def test_a_rating_flags_its_quarter_and_the_next_of_its_teams_only(team, eight_quarters):
    people = eight_quarters[0]
    rating_record(patient=people[1], element="H1", value=9, rated_on=mid("2026Q2"), rater="patient")

    assert patient_summaries_refresh(patient_id=people[1].pk) is True

    # The quarter's index moved, and the next quarter's change (improved → declined) with it.
    assert stale(TeamSummary, "team_id") == {(team.pk, "2026Q2"), (team.pk, "2026Q3")}
    assert stale(CaseloadSummary, "clinician_id") == set()  # nobody saw this patient


def test_a_change_flags_the_caseloads_of_those_who_saw_the_patient_within_a_year(
    team, eight_quarters
):
    people, _, late = eight_quarters
    rating_record(patient=people[0], element="H1", value=9, rated_on=mid("2026Q2"), rater="patient")

    patient_summaries_refresh(patient_id=people[0].pk)

    # Seen in 2026Q1: on that clinician's caseload in 2026Q1 to 2026Q4. Seen in 2025Q1: only
    # until 2025Q4, untouched by a change in 2026.
    assert stale(CaseloadSummary, "clinician_id") == {(late.pk, "2026Q2"), (late.pk, "2026Q3")}
    assert stale(TeamSummary, "team_id") == {(team.pk, "2026Q2"), (team.pk, "2026Q3")}


def test_a_visit_flags_the_caseloads_it_joins_for_a_year(team, eight_quarters):
    people = eight_quarters[0]
    newcomer = UserFactory(username="newcomer")
    seen(people[2], newcomer, "2025Q3")
    seen(people[3], newcomer, "2026Q4")

    patient_summaries_refresh(patient_id=people[2].pk)
    patient_summaries_refresh(patient_id=people[3].pk)

    # 2027 has no summaries yet: no group has a summary of it until someone has data in it.
    assert stale(CaseloadSummary, "clinician_id") == {
        (newcomer.pk, period) for period in ("2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q4")
    }
    # The count of encounters is not a team figure; nothing of the team moved.
    assert stale(TeamSummary, "team_id") == set()


def test_a_save_that_moves_no_figure_flags_nothing_and_queues_nothing(eight_quarters):
    people = eight_quarters[0]
    # The same value again, later in the same quarter: the latest rating is still a 5.
    rating_record(
        patient=people[3],
        element="H1",
        value=5,
        rated_on=mid("2026Q2") + dt.timedelta(days=1),
        rater="patient",
    )

    assert patient_summaries_refresh(patient_id=people[3].pk) is False
    assert stale(TeamSummary, "team_id") == set()


@pytest.fixture
def as_with_a_broker():
    """Tasks queued rather than run in-process, as on a site with a broker."""
    conf = current_app.conf
    eager = conf.task_always_eager
    conf.task_always_eager = False
    yield
    conf.task_always_eager = eager


@contextmanager
def a_change_landing_in_every_round(team, period: str) -> Iterator[mock.Mock]:
    """Each round of a group refresh, as a patient's refresh committing between its read and its
    write, flags ``team``'s ``period`` again; yields the mock standing for the next refresh
    queued."""
    compute = group_summaries.group_summaries_compute_many

    def compute_then_a_change_lands(kind, targets):
        done = compute(kind, targets)
        if kind is TEAM:
            group_summaries.group_summaries_mark({TEAM: {(team.pk, period)}})
        return done

    with (
        mock.patch.object(
            group_summaries,
            "group_summaries_compute_many",
            side_effect=compute_then_a_change_lands,
        ),
        mock.patch.object(tasks, "group_refresh_queue") as next_refresh,
    ):
        yield next_refresh


def test_a_change_landing_while_a_group_refresh_computes_leaves_the_group_stale(
    team, eight_quarters, as_with_a_broker
):
    TeamSummary.objects.filter(team=team, period="2026Q2").update(stale=True)
    with a_change_landing_in_every_round(team, "2026Q2") as next_refresh:
        assert tasks.refresh_group_summaries() == 1

    assert TeamSummary.objects.get(team=team, period="2026Q2").stale is True
    # The refresh does not go round again at once: it queues the next, a pause later.
    next_refresh.assert_called_once_with()
    assert group_summaries_refresh_stale() == 1
    assert TeamSummary.objects.get(team=team, period="2026Q2").stale is False


def test_a_group_refresh_that_leaves_nothing_stale_queues_no_other(
    team, eight_quarters, as_with_a_broker
):
    TeamSummary.objects.filter(team=team, period="2026Q2").update(stale=True)
    with mock.patch.object(tasks, "group_refresh_queue") as next_refresh:
        assert tasks.refresh_group_summaries() == 1
    next_refresh.assert_not_called()


def test_in_process_a_group_refresh_goes_round_again_itself_a_bounded_number_of_times(
    team, eight_quarters
):
    TeamSummary.objects.filter(team=team, period="2026Q2").update(stale=True)
    with a_change_landing_in_every_round(team, "2026Q2") as next_refresh:
        # The first round and EAGER_ROUNDS more, then it stops: nothing queued in-process.
        assert tasks.refresh_group_summaries() == 1 + tasks.EAGER_ROUNDS
    next_refresh.assert_not_called()
    assert TeamSummary.objects.get(team=team, period="2026Q2").stale is True


def test_a_group_refresh_computes_every_stale_group_at_once(team, eight_quarters):
    TeamSummary.objects.filter(team=team).update(stale=True, figures={})

    assert group_summaries_refresh_stale() == len(QUARTERS)

    assert not TeamSummary.objects.filter(stale=True).exists()
    assert TeamSummary.objects.get(team=team, period="2026Q1").figures["index"]["median"] == 50.0


def test_group_refreshes_and_the_rebuild_have_queues_of_their_own(settings):
    router = current_app.amqp.router

    def queue_of(name: str) -> str:
        return router.route({}, name)["queue"].name

    assert queue_of("indicators.tasks.refresh_group_summaries") == settings.GROUPS_QUEUE
    assert queue_of("indicators.tasks.rebuild_all_summaries") == settings.REBUILD_QUEUE
    assert queue_of("indicators.tasks.refresh_patient_summaries") == (
        settings.CELERY_TASK_DEFAULT_QUEUE
    )
    assert len({settings.GROUPS_QUEUE, settings.REBUILD_QUEUE, "celery"}) == 3


def test_a_second_refresher_leaves_the_work_to_the_first_and_tries_again_later(
    team, eight_quarters, as_with_a_broker
):
    need_postgresql()
    TeamSummary.objects.filter(team=team).update(stale=True)
    other = connection.copy()  # another worker's session, holding the claim
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [group_summaries.REFRESH_LOCK])
        with mock.patch.object(tasks, "group_refresh_queue") as requeue:
            assert tasks.refresh_group_summaries() == 0
        requeue.assert_called_once_with()
        assert TeamSummary.objects.filter(team=team, stale=True).count() == len(QUARTERS)
    finally:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [group_summaries.REFRESH_LOCK])
        other.close()

    assert tasks.refresh_group_summaries() == len(QUARTERS)


def test_marking_reports_fresh_or_missing_rows_only(team):
    assert group_summaries.group_summaries_mark({TEAM: {(team.pk, "2026Q1")}}) is True
    assert group_summaries.group_summaries_mark({TEAM: {(team.pk, "2026Q1")}}) is False
    row = TeamSummary.objects.get(team=team, period="2026Q1")
    assert (row.stale, row.marks) == (True, 2)
    assert group_summaries.group_summaries_mark({CASELOAD: set(), TEAM: set()}) is False


def test_a_row_the_rebuild_stores_just_before_a_mark_inserts_it_is_still_flagged(team):
    """Marking a group without a row inserts it, flagged; when the rebuild has just stored that
    row, fresh, from figures read before the change, the insert gives way and the row is
    flagged instead (not left fresh)."""
    insert = TeamSummary.objects.bulk_create

    def the_rebuild_stores_it_first(rows, **options):
        TeamSummary.objects.create(team=team, period="2026Q1", stale=False, figures={})
        return insert(rows, **options)

    with mock.patch.object(
        TeamSummary.objects, "bulk_create", side_effect=the_rebuild_stores_it_first
    ):
        assert group_summaries.group_summaries_mark({TEAM: {(team.pk, "2026Q1")}}) is True
    row = TeamSummary.objects.get(team=team, period="2026Q1")
    assert (row.stale, row.marks) == (True, 1)


@contextmanager
def saves_landing_while_groups_are_computed(people) -> Iterator[None]:
    """Three of ``people`` rated 0 in 2026Q2, each patient's refresh committing after the group
    figures' statements have read the patients' summaries and before they are stored."""
    aggregates = group_sql.group_aggregates_of_kinds

    def read_then_saves_land(targets):
        found = aggregates(targets)
        for person in people[1:4]:
            rating_record(
                patient=person, element="H1", value=0, rated_on=mid("2026Q2"), rater="patient"
            )
            patient_summaries_refresh(patient_id=person.pk)
        return found

    with mock.patch.object(
        group_sql, "group_aggregates_of_kinds", side_effect=read_then_saves_land
    ):
        yield


def test_a_change_landing_while_the_rebuild_computes_a_quarters_groups_leaves_them_stale(
    team, eight_quarters
):
    """The nightly rebuild's group phase reads the patients' summaries, then writes the groups'
    figures: saves whose patient refreshes commit in between are in none of those figures, so
    their team is left flagged (not marked fresh with figures that miss them), and the next
    refresh stores figures with the saves in them."""
    people, _, _ = eight_quarters
    with saves_landing_while_groups_are_computed(people):
        group_summaries.group_summaries_rebuild_all(periods=["2026Q2"])

    # its quarter, and the next (whose change figure the saves move), which the rebuild left
    assert stale(TeamSummary, "team_id") == {(team.pk, "2026Q2"), (team.pk, "2026Q3")}
    index = TeamSummary.objects.get(team=team, period="2026Q2").figures["index"]
    assert index["median"] == 50.0  # read before the saves
    assert group_summaries_refresh_stale() >= 2
    stored = TeamSummary.objects.get(team=team, period="2026Q2")
    assert stored.stale is False
    assert stored.figures["index"]["median"] == 0.0  # three 0s and two 50s


def test_a_quarter_of_the_rebuild_across_workers_queues_a_refresh_for_what_it_left_stale(
    team, eight_quarters
):
    people, _, _ = eight_quarters
    with (
        saves_landing_while_groups_are_computed(people),
        mock.patch.object(tasks, "group_refresh_queue") as refresh,
    ):
        tasks.rebuild_group_period.run("2026Q2")
    assert stale(TeamSummary, "team_id") == {(team.pk, "2026Q2"), (team.pk, "2026Q3")}
    refresh.assert_called_once_with()


def test_a_quarter_of_the_rebuild_with_nothing_landing_queues_no_refresh(team, eight_quarters):
    with mock.patch.object(tasks, "group_refresh_queue") as refresh:
        tasks.rebuild_group_period.run("2026Q2")
    assert stale(TeamSummary, "team_id") == set()
    refresh.assert_not_called()


@pytest.mark.services
def test_marking_locks_its_rows_in_the_order_groups_are_stored_in(team, other_team):
    """Flagging groups takes their rows' locks in (owner, quarter) order before it updates them,
    the order the rebuild and refreshes store rows in, so the two never deadlock."""
    need_postgresql()
    for owner in (team, other_team):
        for period in ("2026Q1", "2026Q2"):
            TeamSummary.objects.create(team=owner, period=period, figures={})
    pairs = {(owner.pk, p) for owner in (other_team, team) for p in ("2026Q2", "2026Q1")}
    with CaptureQueriesContext(connection) as queries:
        group_summaries.group_summaries_mark({TEAM: pairs})
    statements = [q["sql"] for q in queries.captured_queries]
    first = statements[0]
    # the owner and quarter of the rows there are, in that order (columns 1 and 2), locked
    assert first.startswith(
        'SELECT "indicators_teamsummary"."team_id" AS "team_id", '
        '"indicators_teamsummary"."period" AS "period" FROM'
    ), statements
    assert first.endswith("ORDER BY 1 ASC, 2 ASC FOR UPDATE"), first
    assert statements[1].startswith('UPDATE "indicators_teamsummary"')
