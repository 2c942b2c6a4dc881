"""Team and caseload summaries: medians, counts and small-number suppression."""

import datetime as dt
import math
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from assessments.services import rating_record
from indicators import patient_summaries
from indicators.figures import SummaryRow, group_figures, suppress_counts
from indicators.freshness import (
    GROUP_REFRESH_WAITING,
    WAITING_GRACE,
    group_refresh_queue,
    group_refresh_started,
)
from indicators.models import CaseloadSummary, PatientSummary, SummaryState, TeamSummary
from indicators.patient_summaries import (
    patient_summaries_compute,
    summaries_rebuild_all,
    summaries_sweep_stale,
)
from indicators.scoring import quartiles
from indicators.selectors import team_summary
from patients.services import encounter_record
from tests.factories import PatientFactory
from tests.support.settings_probe import settings_read

pytestmark = pytest.mark.django_db
Q1, Q2 = dt.date(2026, 2, 10), dt.date(2026, 5, 10)


def cohort(team, values, on=Q1):
    people = []
    for value in values:
        person = PatientFactory(teams=[team])
        rating_record(patient=person, element="H1", value=value, rated_on=on, rater="patient")
        people.append(person)
    return people


def test_team_summary_gives_median_and_quartiles_of_the_index(team):
    cohort(team, [2, 4, 6, 8, 10, 5])
    summaries_rebuild_all()

    s = team_summary(team=team, period="2026Q1")

    expected = quartiles([20, 40, 60, 80, 100, 50])
    assert s["patients"] == 6
    assert s["index"] == {"median": expected.median, "q1": expected.q1, "q3": expected.q3, "n": 6}
    assert s["domains"]["H"]["median"] == expected.median
    assert s["with_own_priorities"] == 0
    assert s["suppressed"] is True  # the M and R domains rest on nobody
    assert s["domains"]["M"] is None


def test_team_of_fewer_than_five_patients_is_suppressed(team):
    cohort(team, [3, 4, 5, 6])
    summaries_rebuild_all()

    s = team_summary(team=team, period="2026Q1")

    assert s["suppressed"] is True
    assert s["patients"] is None
    assert s["index"] is None
    assert s["patient_initiated_share"] is None
    assert {"patients", "index"} <= set(s["suppressed_fields"])


def test_team_figures_equal_the_stored_patient_summaries(team, other_team):
    cohort(team, [1, 3, 5, 7, 9])
    cohort(other_team, [10, 10, 10, 10, 10])
    summaries_rebuild_all()

    stored = sorted(
        PatientSummary.objects.filter(patient__teams=team, period="2026Q1").values_list(
            "index", flat=True
        )
    )
    assert team_summary(team=team, period="2026Q1")["index"]["median"] == quartiles(stored).median
    assert team_summary(team=other_team, period="2026Q1")["index"]["median"] == 100.0


def test_improved_stable_declined_are_counted_from_quarter_to_quarter(team):
    people = cohort(team, [5] * 9)
    for person, value in zip(people, [9, 9, 9, 9, 9, 5, 5, 5, 5], strict=True):
        rating_record(patient=person, element="H1", value=value, rated_on=Q2, rater="patient")
    summaries_rebuild_all()

    s = team_summary(team=team, period="2026Q2")

    # 5 improved, 4 stable, 0 declined: the 4 is hidden, and so is the 5, or 9 − 5 would reveal it
    assert (s["improved"], s["stable"], s["declined"]) == (None, None, 0)


def test_a_single_small_count_is_hidden_with_the_next_smallest():
    assert suppress_counts({"improved": 12, "stable": 30, "declined": 3}) == {
        "improved": None,
        "stable": 30,
        "declined": None,
    }
    assert suppress_counts({"improved": 12, "stable": 30, "declined": 0}) == {
        "improved": 12,
        "stable": 30,
        "declined": 0,
    }
    assert suppress_counts({"improved": 2, "stable": 30, "declined": 3}) == {
        "improved": None,
        "stable": 30,
        "declined": None,
    }


def summary_rows(count, *, initiated, with_context, own, markers_in_target):
    return [
        SummaryRow(
            index=50,
            coverage=1,
            domain_scores={},
            direction="",
            own_priorities=i < own,
            goal_attainment=None,
            markers_with_reading=2,
            markers_in_target=2 if i < markers_in_target else 0,
            patient_initiated=int(i < initiated),
            attribution_caveat=i < with_context,
        )
        for i in range(count)
    ]


def test_group_shares_of_markers_and_patient_initiated_contacts():
    figures = group_figures(
        summary_rows(12, initiated=6, with_context=5, own=7, markers_in_target=6)
    )

    assert figures["markers_in_target_share"] == pytest.approx(12 / 24)
    assert figures["patient_initiated_share"] == pytest.approx(6 / 12)
    assert figures["context_share"] == pytest.approx(5 / 12)
    assert figures["with_own_priorities"] == 7
    assert figures["goal_attainment_median"] is None


def test_a_share_of_1_to_4_patients_or_of_all_but_1_to_4_is_withheld():
    figures = group_figures(
        summary_rows(12, initiated=3, with_context=9, own=12, markers_in_target=0)
    )

    assert figures["patient_initiated_share"] is None  # 3 patients
    assert figures["context_share"] is None  # 12 − 9 = 3 without: as revealing
    assert figures["with_own_priorities"] == 12  # all of them: nobody singled out
    assert {"patient_initiated_share", "context_share"} <= set(figures["suppressed_fields"])


def test_caseload_holds_patients_seen_in_the_quarter_or_the_three_before(team, clinician):
    seen_recently, seen_long_ago = cohort(team, [4, 8], on=dt.date(2026, 5, 1))
    for person, when in (
        (seen_recently, dt.datetime(2025, 9, 1, 10, tzinfo=dt.UTC)),
        (seen_long_ago, dt.datetime(2025, 3, 1, 10, tzinfo=dt.UTC)),
    ):
        encounter_record(
            patient=person,
            clinician=clinician,
            occurred_at=when,
            mode="phone",
            initiated_by="service",
            duration_minutes=10,
        )
    summaries_rebuild_all()

    caseload = CaseloadSummary.objects.get(clinician=clinician, period="2026Q2")

    assert caseload.patients == 1


def test_one_transaction_queues_one_refresh_per_patient(
    patient, django_capture_on_commit_callbacks
):
    other = PatientFactory()
    with (
        mock.patch("indicators.freshness.enqueue") as enqueue,
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        for key in ("H1", "H2", "H3"):
            rating_record(patient=patient, element=key, value=5, rated_on=Q1, rater="patient")
        rating_record(patient=other, element="H1", value=5, rated_on=Q1, rater="patient")

    assert enqueue.call_args_list == [
        mock.call("indicators.tasks.refresh_patient_summaries", patient.pk),
        mock.call("indicators.tasks.refresh_patient_summaries", other.pk),
    ]


@transaction.atomic
def rate_then_fail(patient):
    rating_record(patient=patient, element="H1", value=5, rated_on=Q1, rater="patient")
    raise RuntimeError("what came after the save failed")


def test_a_rolled_back_savepoint_does_not_lose_the_refresh_of_a_later_save(
    patient, django_capture_on_commit_callbacks
):
    with (
        mock.patch("indicators.freshness.enqueue") as enqueue,
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        with pytest.raises(RuntimeError):
            rate_then_fail(patient)
        rating_record(patient=patient, element="H2", value=5, rated_on=Q1, rater="patient")

    assert enqueue.call_args_list == [
        mock.call("indicators.tasks.refresh_patient_summaries", patient.pk)
    ]


def test_nothing_is_queued_when_the_transaction_rolls_back(
    patient, django_capture_on_commit_callbacks
):
    with (
        mock.patch("indicators.freshness.enqueue") as enqueue,
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
    ):
        rate_then_fail(patient)

    assert enqueue.call_args_list == []


def test_after_commit_the_refresh_runs_and_the_team_summary_follows(
    team, django_capture_on_commit_callbacks
):
    people = [PatientFactory(teams=[team]) for _ in range(5)]
    with django_capture_on_commit_callbacks(execute=True):
        for person in people:
            rating_record(patient=person, element="H1", value=6, rated_on=Q1, rater="patient")

    assert all(s.dirty == s.computed_up_to for s in SummaryState.objects.all())
    assert team_summary(team=team, period="2026Q1")["index"]["median"] == 60.0


def test_a_refresh_killed_midway_writes_nothing_and_the_sweep_redoes_it(patient):
    rating_record(patient=patient, element="H1", value=3, rated_on=Q1, rater="patient")

    with (
        mock.patch.object(PatientSummary.objects, "bulk_create", side_effect=SystemExit),
        pytest.raises(SystemExit),
    ):
        patient_summaries_compute(lo=patient.pk, hi=patient.pk)

    assert not PatientSummary.objects.filter(patient=patient).exists()
    state = SummaryState.objects.get(patient=patient)
    assert state.is_stale
    assert summaries_sweep_stale() == 1
    assert PatientSummary.objects.get(patient=patient).index == pytest.approx(30.0)


def test_an_older_refresh_never_overwrites_a_newer_one(patient):
    rating_record(patient=patient, element="H1", value=3, rated_on=Q1, rater="patient")
    noted_early = {patient.pk: SummaryState.objects.get(patient=patient).dirty}
    early = patient_summaries._compute_range(patient.pk, patient.pk)
    rating_record(patient=patient, element="H1", value=9, rated_on=Q1, rater="patient")
    patient_summaries_compute(lo=patient.pk, hi=patient.pk)  # the newer refresh lands first

    # the older one lands late
    patient_summaries._write_range(patient.pk, patient.pk, noted_early, early)

    assert PatientSummary.objects.get(patient=patient).index == pytest.approx(90.0)


def test_nightly_rebuild_writes_every_patient_and_every_team(team, other_team):
    cohort(team, [1, 2, 3, 4, 5])
    cohort(other_team, [6, 7, 8, 9, 10])
    SummaryState.objects.all().delete()  # as if the data had been bulk-loaded

    assert summaries_rebuild_all(chunk=3) == 10

    assert PatientSummary.objects.count() == 10
    assert TeamSummary.objects.filter(period="2026Q1", stale=False).count() == 2


def test_a_burst_of_saves_queues_one_group_refresh(team):
    from indicators.patient_summaries import patient_summaries_refresh

    first, second = PatientFactory(teams=[team]), PatientFactory(teams=[team])
    for person in (first, second):
        rating_record(patient=person, element="H1", value=5, rated_on=Q1, rater="patient")

    assert patient_summaries_refresh(patient_id=first.pk) is True  # the team went stale
    assert patient_summaries_refresh(patient_id=second.pk) is False  # a refresh is on its way
    assert TeamSummary.objects.get(team=team, period="2026Q1").stale is True


def test_the_sweep_refreshes_group_summaries_whose_task_was_lost(team):
    cohort(team, [5, 6, 7, 8, 9])
    summaries_rebuild_all()
    TeamSummary.objects.filter(team=team).update(stale=True, figures={})

    summaries_sweep_stale()

    summary = TeamSummary.objects.get(team=team, period="2026Q1")
    assert summary.stale is False
    assert summary.figures["index"]["median"] == 70.0


def recomputed_team_median(team, period="2026Q1"):
    """The team's median index as a rebuild from scratch gives it, without keeping the rebuild."""
    with transaction.atomic():
        summaries_rebuild_all()
        median = team_summary(team=team, period=period)["index"]["median"]
        transaction.set_rollback(True)
    return median


def test_a_worker_killed_right_after_a_patient_refresh_leaves_the_groups_flagged(team):
    people = cohort(team, [2, 2, 2, 6, 6])
    summaries_rebuild_all()
    assert not TeamSummary.objects.get(team=team, period="2026Q1").stale
    # A save while the broker is down: marked stale, no refresh queued (callbacks never run here).
    rating_record(patient=people[0], element="H1", value=9, rated_on=Q1, rater="patient")

    # The worker writes the patient's summaries, then dies before doing anything else.
    patient_summaries_compute(lo=people[0].pk, hi=people[0].pk)

    assert TeamSummary.objects.get(team=team, period="2026Q1").stale
    summaries_sweep_stale()
    summary = team_summary(team=team, period="2026Q1")
    assert summary["stale"] is False
    assert summary["index"]["median"] == recomputed_team_median(team) == 60.0


def test_moving_a_patient_between_teams_refreshes_both_teams(
    team, other_team, django_capture_on_commit_callbacks
):
    from patients.services import patient_update

    mover, *_ = cohort(team, [1, 2, 3, 4, 5, 6])
    cohort(other_team, [7, 8, 9, 10, 10])
    summaries_rebuild_all()

    with django_capture_on_commit_callbacks(execute=True):
        patient_update(patient=mover, teams=[other_team])

    assert team_summary(team=team, period="2026Q1")["patients"] == 5
    assert team_summary(team=other_team, period="2026Q1")["patients"] == 6
    assert team_summary(team=other_team, period="2026Q1")["index"]["median"] == (
        recomputed_team_median(other_team)
    )


def test_a_patients_details_are_unchanged_when_their_new_teams_are_refused(patient, team):
    from django.core.exceptions import ValidationError

    from patients.services import patient_update

    with pytest.raises(ValidationError, match="teams must name at least one team"):
        patient_update(patient=patient, display_name="Renamed R.", teams=[])

    patient.refresh_from_db()
    assert patient.display_name == "Pat P."
    assert list(patient.teams.all()) == [team]


def test_moving_a_patient_in_the_admin_refreshes_both_teams(
    client, admin_user, team, other_team, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from tests.support.two_step import sign_in_with_code

    mover, *_ = cohort(team, [1, 2, 3, 4, 5, 6])
    cohort(other_team, [7, 8, 9, 10, 10])
    summaries_rebuild_all()
    sign_in_with_code(client, admin_user)

    url = reverse("admin:patients_patient_change", args=[mover.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "display_name": mover.display_name,
                "birth_year": mover.birth_year,
                "teams": [other_team.pk],
                "user": "",
                "conditions-TOTAL_FORMS": "0",
                "conditions-INITIAL_FORMS": "0",
                "conditions-MIN_NUM_FORMS": "0",
                "conditions-MAX_NUM_FORMS": "1000",
            },
        )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert list(mover.teams.all()) == [other_team]
    assert team_summary(team=team, period="2026Q1")["patients"] == 5
    assert team_summary(team=other_team, period="2026Q1")["patients"] == 6


def test_a_group_refresh_that_cannot_be_queued_is_left_to_the_sweep(caplog):
    from kombu.exceptions import OperationalError

    from indicators import freshness, tasks

    with mock.patch.object(
        tasks.refresh_group_summaries, "apply_async", side_effect=OperationalError("down")
    ):
        freshness.group_refresh_queue()  # raises nothing

    assert (
        "task indicators.tasks.refresh_group_summaries() not queued; the sweep will do it"
        in caplog.text
    )


def test_one_group_computed_alone_stores_what_the_one_pass_rebuild_stores(team, clinician):
    from assessments.services import personal_item_create, priorities_set
    from indicators.group_summaries import caseload_summary_compute, team_summary_compute
    from patients.services import context_event_record

    people = cohort(team, [2, 4, 6, 8, 10, 5, 7])
    for n, person in enumerate(people):
        rating_record(patient=person, element="H1", value=n, rated_on=Q2, rater="patient")
        encounter_record(
            patient=person,
            clinician=clinician,
            occurred_at=dt.datetime(2026, 5, 11, 10, tzinfo=dt.UTC),
            mode="phone",
            initiated_by="patient" if n % 2 else "service",
            duration_minutes=10,
        )
        points = {"H1": 4, "M1": 3, "R1": 3}
        points[personal_item_create(patient=person, label="Walking the dog", domain="H").key] = 2
        priorities_set(patient=person, effective_from=Q1, points=points)
        if n < 5:
            context_event_record(
                patient=person, kind="admission", occurred_on=Q2, recorded_by=clinician
            )
    summaries_rebuild_all()

    def stored():
        return {
            (type(s).__name__, s.period): (s.patients, s.figures)
            for model in (TeamSummary, CaseloadSummary)
            for s in model.objects.all()
        }

    rebuilt = stored()
    for period in ("2026Q1", "2026Q2"):
        team_summary_compute(team_id=team.pk, period=period)
        caseload_summary_compute(clinician_id=clinician.pk, period=period)

    assert stored() == rebuilt
    assert rebuilt["CaseloadSummary", "2026Q2"][0] == 7
    assert rebuilt["TeamSummary", "2026Q2"][1]["priorities"]["common_items"][0]["patients"] == 7


def test_the_rebuilds_pieces_hold_as_many_patients_each_whatever_the_gaps_in_ids():
    from indicators.patient_summaries import rebuild_chunks

    people = [PatientFactory() for _ in range(8)]
    for gone in people[1:4]:
        gone.delete()
    ids = [p.pk for p in people[:1] + people[4:]]

    assert rebuild_chunks(size=2) == [(ids[0], ids[1]), (ids[2], ids[3]), (ids[4], ids[4])]


@pytest.mark.parametrize(
    ("patients", "size", "pieces"),
    [
        (5_000, 1_250, 4),  # not 3 pieces of 2,000, which leave one of two workers idle a third
        (20_000, 1_667, 12),
        (50_000, 1_786, 28),
        (1_000, 250, 4),
        (400, 250, 2),  # pieces of 100 would cost more in their own overheads than they share
        (100, 250, 1),
        (15_000_000, 2_000, 7_500),
    ],
)
def test_the_rebuild_is_cut_into_equal_pieces_in_a_multiple_of_four(patients, size, pieces):
    from indicators.patient_summaries import rebuild_piece_size

    assert rebuild_piece_size(patients) == size
    assert math.ceil(patients / size) == pieces


def test_a_small_service_is_cut_into_four_pieces_so_two_workers_share_it_evenly():
    from indicators.patient_summaries import rebuild_chunks

    ids = [PatientFactory().pk for _ in range(24)]

    # Pieces of at most 10 would be 10, 10 and 4: one of two workers would do 20, the other 4.
    assert rebuild_chunks(size=10, least=1) == [(ids[i], ids[i + 5]) for i in range(0, 24, 6)]


def test_without_a_broker_the_rebuild_task_runs_in_process(team):
    from indicators.tasks import rebuild_all_summaries

    cohort(team, [5, 6, 7, 8, 9])

    assert rebuild_all_summaries.delay(2).get() == 5
    assert TeamSummary.objects.get(team=team, period="2026Q1").figures["index"]["median"] == 70.0


def test_the_group_refresh_waits_the_seconds_set_after_the_save(
    patient, settings, django_capture_on_commit_callbacks
):
    settings.GROUP_REFRESH_SECONDS = 17
    with (
        mock.patch("indicators.freshness.enqueue") as enqueue,
        django_capture_on_commit_callbacks(execute=True),
    ):
        group_refresh_queue()

    assert enqueue.call_args_list == [
        mock.call("indicators.tasks.refresh_group_summaries", countdown=17)
    ]


@pytest.mark.parametrize(("raw", "expected"), [(None, 5), ("0", 0), ("30", 30), ("600", 600)])
def test_the_group_refresh_pause_is_read_from_the_environment(monkeypatch, raw, expected):
    if raw is None:
        monkeypatch.delenv("GROUP_REFRESH_SECONDS", raising=False)
    else:
        monkeypatch.setenv("GROUP_REFRESH_SECONDS", raw)
    assert expected == settings_read().GROUP_REFRESH_SECONDS


@pytest.mark.parametrize("raw", ["-1", "601"])
def test_a_group_refresh_pause_out_of_range_is_refused_with_its_name(raw):
    with pytest.raises(
        ImproperlyConfigured, match=f"GROUP_REFRESH_SECONDS must be between 0 and 600, not {raw}"
    ):
        settings_read(GROUP_REFRESH_SECONDS=raw)


def test_while_a_group_refresh_waits_later_saves_queue_no_other(settings):
    settings.GROUP_REFRESH_SECONDS = 9
    with mock.patch("indicators.freshness.enqueue", return_value=True) as enqueue:
        for _ in range(3):
            group_refresh_queue()
        assert enqueue.call_args_list == [
            mock.call("indicators.tasks.refresh_group_summaries", countdown=9)
        ]
        group_refresh_started()  # the worker takes it: the next save queues the next one
        group_refresh_queue()
    assert enqueue.call_count == 2


def test_a_group_refresh_the_broker_refused_does_not_hold_back_the_next():
    with mock.patch("indicators.freshness.enqueue", return_value=False) as enqueue:
        group_refresh_queue()
        group_refresh_queue()
    assert enqueue.call_count == 2


def test_with_the_shared_cache_down_the_group_refresh_is_queued_all_the_same():
    broken = mock.Mock(**{"add.side_effect": ConnectionError("cache down")})
    with (
        mock.patch("indicators.freshness.caches", {"coordination": broken}),
        mock.patch("indicators.freshness.enqueue", return_value=True) as enqueue,
    ):
        group_refresh_queue()
        group_refresh_queue()
    assert enqueue.call_count == 2


def test_the_waiting_flag_expires_a_grace_after_the_pause(settings):
    settings.GROUP_REFRESH_SECONDS = 9
    cache = mock.Mock(**{"add.return_value": True})
    with (
        mock.patch("indicators.freshness.caches", {"coordination": cache}),
        mock.patch("indicators.freshness.enqueue", return_value=True),
    ):
        group_refresh_queue()
    cache.add.assert_called_once_with(GROUP_REFRESH_WAITING, True, 9 + WAITING_GRACE)
