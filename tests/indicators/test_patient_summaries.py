"""Patient summaries: each figure of a patient's quarter, hand-worked, through the services."""

import datetime as dt

import pytest
from django.utils import timezone

from assessments.services import (
    goal_create,
    goal_review_record,
    personal_item_create,
    priorities_set,
    rating_record,
    reading_record,
    target_set,
)
from indicators.models import PatientSummary, SummaryState
from indicators.patient_summaries import patient_summaries_compute
from indicators.scoring import weighted_index
from indicators.selectors import summary_for_patient
from patients.services import context_event_record, encounter_record

Q1 = dt.date(2026, 2, 10)  # 2026Q1
Q1_LATE = dt.date(2026, 3, 20)
Q2 = dt.date(2026, 5, 12)  # 2026Q2

pytestmark = pytest.mark.django_db


def rate(patient, values: dict, on=Q1, rater="patient", by=None):
    for key, value in values.items():
        rating_record(
            patient=patient, element=key, value=value, rated_on=on, rater=rater, entered_by=by
        )


def summary(patient, period="2026Q1"):
    patient_summaries_compute(lo=patient.pk, hi=patient.pk)
    return summary_for_patient(patient=patient, period=period, to_patient=False)


def test_without_priorities_every_framework_element_weighs_the_same(patient):
    rate(patient, {"H1": 8, "M2": 4, "R4": 6})

    s = summary(patient)

    assert s["weights_source"] == "default"
    assert s["index"] == pytest.approx(60.0)
    assert s["coverage"] == pytest.approx(3 / 13)
    assert s["domains"]["H"] == {"score": pytest.approx(80.0), "weight": pytest.approx(5 / 13)}
    assert s["domains"]["M"]["weight"] == pytest.approx(4 / 13)
    assert s["domains"]["R"]["score"] == pytest.approx(60.0)


def test_patient_priorities_weight_the_index_and_unrated_points_lower_coverage(patient):
    priorities_set(patient=patient, effective_from=Q1, points={"H2": 50, "M1": 30, "R1": 20})
    rate(patient, {"H2": 8, "M1": 3})

    s = summary(patient)

    assert s["weights_source"] == "patient"
    assert s["index"] == pytest.approx(10 * (0.5 * 8 + 0.3 * 3) / 0.8)
    assert s["coverage"] == pytest.approx(0.8)
    assert s["domains"]["R"] == {"score": None, "weight": pytest.approx(0.2)}


def test_personal_items_count_exactly_like_framework_elements(patient):
    item = personal_item_create(patient=patient, label="Playing with my grandchildren", domain="H")
    priorities_set(patient=patient, effective_from=Q1, points={item.key: 60, "M2": 40})
    rate(patient, {item.key: 9, "M2": 4})

    s = summary(patient)

    expected = weighted_index(
        {item.key: 9, "M2": 4}, {item.key: 60, "M2": 40}, {item.key: "H", "M2": "M"}
    )
    assert s["index"] == pytest.approx(expected.index) == pytest.approx(70.0)
    assert s["domains"]["H"]["score"] == pytest.approx(90.0)


def test_the_priority_set_in_effect_at_the_end_of_the_quarter_counts(patient):
    priorities_set(patient=patient, effective_from=dt.date(2026, 1, 2), points={"H1": 100})
    priorities_set(patient=patient, effective_from=Q1_LATE, points={"R1": 100})
    priorities_set(patient=patient, effective_from=Q2, points={"M1": 100})  # after the quarter
    rate(patient, {"H1": 2, "R1": 9, "M1": 5})

    assert summary(patient)["index"] == pytest.approx(90.0)


def test_latest_patient_side_rating_in_the_quarter_counts_and_clinician_views_do_not(
    patient, clinician
):
    rate(patient, {"H1": 2}, on=Q1)
    rate(patient, {"H1": 7}, on=Q1_LATE, rater="proxy", by=clinician)
    rate(patient, {"H1": 1, "H2": 1}, on=Q1_LATE, rater="clinician", by=clinician)

    s = summary(patient)

    assert s["index"] == pytest.approx(70.0)
    assert s["coverage"] == pytest.approx(1 / 13)
    assert s["perspective_gap"] == pytest.approx(6.0)


def test_perspective_gap_is_the_mean_difference_over_elements_both_sides_rated(patient, clinician):
    rate(patient, {"H1": 8, "H2": 5, "M1": 6})
    rate(patient, {"H1": 6, "H2": 8, "R1": 1}, rater="clinician", by=clinician)

    assert summary(patient)["perspective_gap"] == pytest.approx((2 + 3) / 2)


def test_no_previous_quarter_means_no_change(patient):
    rate(patient, {"H1": 5})
    s = summary(patient)
    assert (s["change"], s["direction"]) == (None, None)


@pytest.mark.parametrize(
    ("before", "after", "direction"),
    [(5, 6, "improved"), (6, 5, "declined"), (5, 5, "stable")],
)
def test_change_from_the_previous_quarter_gives_the_direction(patient, before, after, direction):
    rate(patient, {"H1": before}, on=Q1)
    rate(patient, {"H1": after}, on=Q2)

    s = summary(patient, "2026Q2")

    assert s["change"] == pytest.approx((after - before) * 10)
    assert s["direction"] == direction


def test_a_change_just_under_ten_points_is_stable(patient):
    priorities_set(patient=patient, effective_from=Q1, points={"H1": 50, "H2": 50})
    rate(patient, {"H1": 5, "H2": 5}, on=Q1)
    rate(patient, {"H1": 6, "H2": 5}, on=Q2)  # index 50 -> 55

    s = summary(patient, "2026Q2")

    assert s["change"] == pytest.approx(5.0)
    assert s["direction"] == "stable"


@pytest.mark.parametrize(
    ("before", "after", "change", "direction"),
    [
        # Indices 40/3 and 70/3: their difference in floating point is 9.999999999999998.
        ({"H1": 0, "H2": 0, "H3": 4}, {"H1": 1, "H2": 1, "H3": 5}, 10.0, "improved"),
        ({"H1": 1, "H2": 1, "H3": 5}, {"H1": 0, "H2": 0, "H3": 4}, -10.0, "declined"),
    ],
)
def test_a_change_of_exactly_ten_points_is_ten_and_not_stable(
    patient, before, after, change, direction
):
    rate(patient, before, on=Q1, rater="proxy")
    rate(patient, after, on=Q2, rater="proxy")

    s = summary(patient, "2026Q2")

    assert (s["change"], s["direction"]) == (change, direction)
    stored = PatientSummary.objects.get(patient=patient, period="2026Q2")
    assert (stored.change, stored.direction) == (change, direction)


def test_goal_attainment_uses_the_latest_review_of_each_goal_in_the_quarter(patient):
    walk = goal_create(
        patient=patient,
        description="Walk to the park",
        domain="H",
        importance=3,
        difficulty=1,
        baseline_on=dt.date(2026, 1, 1),
    )
    cook = goal_create(
        patient=patient,
        description="Cook twice a week",
        domain="M",
        importance=1,
        difficulty=1,
        baseline_on=dt.date(2026, 1, 1),
    )
    goal_review_record(goal=walk, attainment=-2, reviewed_on=Q1)
    goal_review_record(goal=walk, attainment=1, reviewed_on=Q1_LATE)
    goal_review_record(goal=cook, attainment=-1, reviewed_on=Q1)

    s = summary(patient)

    # weights 3 and 1; T = 50 + 10(3·1 + 1·(−1)) / sqrt(0.7·10 + 0.3·16)
    assert s["goal_attainment"] == pytest.approx(50 + 10 * 2 / (0.7 * 10 + 0.3 * 16) ** 0.5)


def test_no_goal_reviewed_means_no_goal_attainment(patient):
    rate(patient, {"H1": 5})
    assert summary(patient)["goal_attainment"] is None


def test_markers_count_only_relevant_ones_with_a_target_using_the_latest_reading(patient):
    target_set(patient=patient, loinc="59261-8", low=40, high=58)
    target_set(patient=patient, loinc="8480-6", high=140)
    target_set(patient=patient, loinc="29463-7", relevant=False, reason="losing weight unwillingly")
    reading_record(patient=patient, loinc="59261-8", value=70, unit="mmol/mol", taken_on=Q1)
    reading_record(patient=patient, loinc="59261-8", value=55, unit="mmol/mol", taken_on=Q1_LATE)
    reading_record(patient=patient, loinc="8480-6", value=150, unit="mm[Hg]", taken_on=Q1)
    reading_record(patient=patient, loinc="29463-7", value=60, unit="kg", taken_on=Q1)
    reading_record(patient=patient, loinc="14647-2", value=4.5, unit="mmol/L", taken_on=Q1)

    assert summary(patient)["markers"] == {"relevant": 2, "with_reading": 2, "in_target": 1}


def test_context_events_in_the_quarter_set_the_attribution_caveat(patient, clinician):
    context_event_record(patient=patient, kind="admission", occurred_on=Q1, recorded_by=clinician)
    context_event_record(patient=patient, kind="bereavement", occurred_on=Q2)

    s = summary(patient)

    assert s["attribution_caveat"] is True
    assert s["context_events"] == [
        {"kind": "admission", "occurred_on": "2026-02-10", "visible_to_patient": True}
    ]


def test_quarter_without_context_events_has_no_caveat(patient):
    rate(patient, {"H1": 5})
    s = summary(patient)
    assert (s["attribution_caveat"], s["context_events"]) == (False, [])


def test_activity_counts_encounters_and_patient_initiated_contacts(patient, clinician):
    for initiated_by in ("patient", "service", "patient"):
        encounter_record(
            patient=patient,
            clinician=clinician,
            initiated_by=initiated_by,
            mode="phone",
            occurred_at=dt.datetime(2026, 2, 3, 10, tzinfo=dt.UTC),
            duration_minutes=10,
        )

    s = summary(patient)

    assert (s["encounters"], s["patient_initiated"]) == (3, 2)
    assert s["index"] is None
    assert s["coverage"] == 0


def test_an_encounter_is_counted_in_the_quarter_of_its_local_date(patient, clinician):
    # 23:30 UTC on 30 June is 00:30 on 1 July in London: the third quarter.
    encounter_record(
        patient=patient,
        clinician=clinician,
        initiated_by="service",
        mode="video",
        occurred_at=dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC),
        duration_minutes=10,
    )

    patient_summaries_compute(lo=patient.pk, hi=patient.pk)

    assert list(
        PatientSummary.objects.filter(patient=patient).values_list("period", "encounters")
    ) == [("2026Q3", 1)]


def test_saving_marks_the_summary_stale_and_a_refresh_makes_it_fresh(patient):
    rate(patient, {"H1": 5})
    state = SummaryState.objects.get(patient=patient)
    assert state.is_stale

    assert summary(patient)["stale"] is False
    rate(patient, {"H2": 5})
    assert summary_for_patient(patient=patient, period="2026Q1", to_patient=False)["stale"] is True


def test_recomputing_twice_gives_the_same_rows(patient):
    rate(patient, {"H1": 5, "R2": 9})
    first = summary(patient)
    second = summary(patient)
    assert {k: v for k, v in first.items() if k != "computed_at"} == {
        k: v for k, v in second.items() if k != "computed_at"
    }
    assert PatientSummary.objects.filter(patient=patient).count() == 1


def test_a_quarter_whose_data_was_removed_loses_its_summary(patient):
    rate(patient, {"H1": 5}, on=Q2)
    patient_summaries_compute(lo=patient.pk, hi=patient.pk)
    patient.ratings.all().delete()

    patient_summaries_compute(lo=patient.pk, hi=patient.pk)

    assert not PatientSummary.objects.filter(patient=patient).exists()


def test_summaries_of_one_patient_never_mix_with_anothers(patient, other_patient):
    rate(patient, {"H1": 9})
    rate(other_patient, {"H1": 1})
    patient_summaries_compute(
        lo=min(patient.pk, other_patient.pk), hi=max(patient.pk, other_patient.pk)
    )
    assert summary_for_patient(patient=patient, period="2026Q1", to_patient=False)[
        "index"
    ] == pytest.approx(90)
    assert summary_for_patient(patient=other_patient, period="2026Q1", to_patient=False)[
        "index"
    ] == pytest.approx(10)


def test_rating_in_the_future_is_refused_and_nothing_is_saved(patient):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        rate(patient, {"H1": 5}, on=timezone.localdate() + dt.timedelta(days=1))
    assert error.value.message_dict == {"rated_on": ["rated_on must not be in the future"]}
    assert not patient.ratings.exists()
