"""The set-based SQL of the summaries agrees with the scoring functions on random patients."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.models import PrioritySet
from assessments.services import personal_item_create, priorities_set, rating_record
from indicators.models import PatientSummary
from indicators.patient_summaries import patient_summaries_compute
from indicators.scoring import FRAMEWORK_CODES, weighted_index
from tests.factories import PatientFactory

DAY = dt.date(2026, 2, 10)
KEYS = [*FRAMEWORK_CODES, "item"]

ratings_st = st.dictionaries(st.sampled_from(KEYS), st.integers(0, 10), min_size=1)
points_st = st.one_of(
    st.just({}),
    st.dictionaries(st.sampled_from(KEYS), st.integers(0, 30), min_size=1).filter(
        lambda p: 1 <= sum(p.values()) <= 100
    ),
)


@pytest.mark.django_db
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ratings=ratings_st, points=points_st)
def test_stored_index_coverage_and_domains_equal_weighted_index(team, ratings, points):
    person = PatientFactory(teams=[team])
    item = personal_item_create(patient=person, label="Gardening", domain="M")
    key = {k: (item.key if k == "item" else k) for k in KEYS}
    if points:
        priorities_set(
            patient=person, effective_from=DAY, points={key[k]: v for k, v in points.items()}
        )
    for k, value in ratings.items():
        rating_record(patient=person, element=key[k], value=value, rated_on=DAY, rater="patient")

    patient_summaries_compute(lo=person.pk, hi=person.pk)

    stored = PatientSummary.objects.get(patient=person)
    domains = {key[k]: ("M" if k == "item" else k[0]) for k in KEYS}
    expected = weighted_index(
        {key[k]: v for k, v in ratings.items()}, {key[k]: v for k, v in points.items()}, domains
    )
    assert stored.index == pytest.approx(expected.index)
    assert stored.coverage == pytest.approx(expected.coverage)
    assert stored.weights_source == (
        "patient" if PrioritySet.objects.filter(patient=person).exists() else "default"
    )
    for code in "HMR":
        assert getattr(stored, f"{code.lower()}_score") == pytest.approx(
            expected.domain_scores[code]
        )
        assert getattr(stored, f"{code.lower()}_weight") == pytest.approx(
            expected.domain_weights[code]
        )


@pytest.mark.django_db
def test_the_stored_goal_attainment_is_the_gas_t_score_of_the_latest_reviews_by_goal_weight():
    """The SQL weighs each goal by importance × difficulty, as Goal.weight does; the stored
    figure is gas_t_score of each goal's latest review in the quarter."""
    from assessments.services import goal_create, goal_review_record
    from indicators.scoring import gas_t_score

    patient = PatientFactory()
    easy = goal_create(patient=patient, description="Walk", domain="H", importance=1,
                       difficulty=1, baseline_on=DAY)  # fmt: skip
    hard = goal_create(patient=patient, description="Swim", domain="H", importance=3,
                       difficulty=3, baseline_on=DAY)  # fmt: skip
    goal_review_record(goal=easy, attainment=-1, reviewed_on=DAY)
    goal_review_record(goal=easy, attainment=2, reviewed_on=DAY + dt.timedelta(days=1))
    goal_review_record(goal=hard, attainment=-2, reviewed_on=DAY)

    patient_summaries_compute(lo=patient.pk, hi=patient.pk)

    stored = PatientSummary.objects.get(patient=patient, period="2026Q1").goal_attainment
    expected = gas_t_score([(2, easy.weight), (-2, hard.weight)])
    assert (easy.weight, hard.weight) == (1, 9)
    assert stored == pytest.approx(expected)
    assert stored != pytest.approx(gas_t_score([(2, 1), (-2, 1)]))  # the weights matter
