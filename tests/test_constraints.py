"""Every rule on the records is enforced by the database, even when validation is bypassed."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from assessments.models import (
    Domain,
    Element,
    Goal,
    GoalReview,
    Marker,
    PersonalTarget,
    PriorityPoint,
    PrioritySet,
    Rating,
)
from indicators.models import PatientSummary
from patients.models import (
    Agenda,
    Appointment,
    Condition,
    ConditionCode,
    ContextEvent,
    Encounter,
    Membership,
    Patient,
    User,
)

from .factories import (
    AppointmentFactory,
    GoalFactory,
    PatientFactory,
    PersonalItemFactory,
    PersonalTargetFactory,
    condition_code,
    framework_element,
    marker,
)

TODAY = dt.date(2026, 5, 1)


def refused(make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


@pytest.fixture
def person(team):
    return PatientFactory(teams=[team])


@pytest.mark.django_db
@pytest.mark.parametrize("value", [-1, 11, 100])
def test_database_refuses_a_rating_outside_0_to_10(person, value):
    refused(
        lambda: Rating.objects.create(
            patient=person,
            element=framework_element("H1"),
            value=value,
            rated_on=TODAY,
            rater="patient",
        )
    )


@pytest.mark.django_db
@pytest.mark.parametrize("value", [0, 10])
def test_database_accepts_ratings_at_both_ends_of_the_scale(person, value):
    Rating.objects.create(
        patient=person,
        element=framework_element("H1"),
        value=value,
        rated_on=TODAY,
        rater="patient",
    )
    assert Rating.objects.filter(patient=person, value=value).count() == 1


@pytest.mark.django_db
def test_database_refuses_an_unknown_rater(person):
    refused(
        lambda: Rating.objects.create(
            patient=person,
            element=framework_element("H1"),
            value=5,
            rated_on=TODAY,
            rater="neighbour",
        )
    )


@pytest.mark.django_db
@pytest.mark.parametrize("attainment", [-3, 3])
def test_database_refuses_goal_attainment_outside_minus_2_to_2(person, attainment):
    goal = GoalFactory(patient=person)
    refused(lambda: GoalReview.objects.create(goal=goal, attainment=attainment, reviewed_on=TODAY))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("importance", 0),
        ("importance", 4),
        ("difficulty", 0),
        ("difficulty", 4),
    ],
)
def test_database_refuses_goal_importance_or_difficulty_outside_1_to_3(person, field, value):
    refused(lambda: GoalFactory(patient=person, **{field: value}))


@pytest.mark.django_db
def test_database_refuses_a_goal_without_words(person):
    refused(lambda: GoalFactory(patient=person, description=""))


@pytest.mark.django_db
@pytest.mark.parametrize("total", [0, 101])
def test_database_refuses_a_priority_set_total_outside_1_to_100(person, total):
    refused(lambda: PrioritySet.objects.create(patient=person, effective_from=TODAY, total=total))


@pytest.mark.django_db
def test_database_refuses_negative_points(person):
    priority_set = PrioritySet.objects.create(patient=person, effective_from=TODAY, total=10)
    refused(
        lambda: PriorityPoint.objects.create(
            priority_set=priority_set, element=framework_element("H1"), points=-1
        )
    )


@pytest.mark.django_db
def test_database_refuses_the_same_element_twice_in_one_priority_set(person):
    priority_set = PrioritySet.objects.create(patient=person, effective_from=TODAY, total=10)
    PriorityPoint.objects.create(
        priority_set=priority_set, element=framework_element("H1"), points=5
    )
    refused(
        lambda: PriorityPoint.objects.create(
            priority_set=priority_set, element=framework_element("H1"), points=5
        )
    )


@pytest.mark.django_db
def test_database_refuses_a_target_whose_low_is_above_its_high(person):
    refused(lambda: PersonalTargetFactory(patient=person, low=60, high=50))


@pytest.mark.django_db
def test_database_accepts_a_one_sided_target(person):
    target = PersonalTargetFactory(patient=person, low=None, high=58)
    assert target.contains(Decimal("40"))
    assert not target.contains(Decimal("59"))


@pytest.mark.django_db
def test_database_refuses_two_targets_for_one_marker(person):
    PersonalTargetFactory(patient=person)
    refused(lambda: PersonalTargetFactory(patient=person))


@pytest.mark.django_db
@pytest.mark.parametrize("year", [1899, 2101])
def test_database_refuses_an_impossible_birth_year(year):
    refused(lambda: Patient.objects.create(display_name="A", birth_year=year))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("duration_minutes", 0),
        ("duration_minutes", 481),
        ("mode", "carrier_pigeon"),
        ("initiated_by", "nobody"),
    ],
)
def test_database_refuses_an_invalid_encounter(person, clinician, field, value):
    values = {
        "patient": person,
        "clinician": clinician,
        "occurred_at": dt.datetime(2026, 5, 1, tzinfo=dt.UTC),
        "mode": "phone",
        "initiated_by": "service",
        "duration_minutes": 10,
    }
    values[field] = value
    refused(lambda: Encounter.objects.create(**values))


@pytest.mark.django_db
def test_database_refuses_a_framework_element_without_a_code():
    refused(lambda: Element.objects.create(domain_id="H", label="Nameless", code=""))


@pytest.mark.django_db
def test_database_refuses_a_personal_item_with_a_framework_code(person):
    refused(lambda: Element.objects.create(domain_id="H", label="Mine", code="H9", patient=person))


@pytest.mark.django_db
def test_database_refuses_a_second_framework_element_with_the_same_code():
    refused(lambda: Element.objects.create(domain_id="H", label="Copy", code="H1"))


@pytest.mark.django_db
def test_database_refuses_the_same_personal_item_twice_for_one_patient(person):
    PersonalItemFactory(patient=person, label="Walking the dog")
    refused(lambda: PersonalItemFactory(patient=person, label="Walking the dog"))


@pytest.mark.django_db
def test_two_patients_may_have_personal_items_with_the_same_words(person, team):
    other = PatientFactory(teams=[team])
    PersonalItemFactory(patient=person, label="Walking the dog")
    PersonalItemFactory(patient=other, label="Walking the dog")
    assert Element.objects.filter(label="Walking the dog").count() == 2


@pytest.mark.django_db
def test_database_refuses_a_domain_other_than_h_m_r():
    refused(lambda: Domain.objects.create(code="X", name="Other", plain_name="Other"))


@pytest.mark.django_db
def test_database_refuses_a_second_membership_of_the_same_team(clinician, team):
    refused(lambda: Membership.objects.create(user=clinician, team=team, role="manager"))


@pytest.mark.django_db
def test_database_refuses_an_unknown_role():
    refused(lambda: User.objects.create(username="x", role="superhero"))


@pytest.mark.django_db
def test_database_refuses_the_same_condition_twice_for_one_patient(person):
    Condition.objects.create(patient=person, code=condition_code("44054006"))
    refused(lambda: Condition.objects.create(patient=person, code=condition_code("44054006")))


@pytest.mark.django_db
def test_database_refuses_a_negative_stage(person):
    refused(
        lambda: Condition.objects.create(
            patient=person, code=condition_code("49049000"), stage=Decimal("-1")
        )
    )


@pytest.mark.django_db
def test_database_refuses_a_condition_code_with_its_stage_range_upside_down():
    refused(
        lambda: ConditionCode.objects.create(
            snomed_code="1", display="X", stage_min=Decimal("5"), stage_max=Decimal("1")
        )
    )


@pytest.mark.django_db
def test_database_refuses_a_marker_with_its_plausible_range_upside_down():
    refused(
        lambda: Marker.objects.create(
            loinc="1-1", name="X", unit="1", plausible_low=10, plausible_high=1
        )
    )


@pytest.mark.django_db
def test_database_refuses_a_double_booked_appointment(person, clinician):
    appointment = AppointmentFactory(patient=person, clinician=clinician)
    refused(
        lambda: Appointment.objects.create(
            patient=person, clinician=clinician, starts_at=appointment.starts_at
        )
    )


@pytest.mark.django_db
def test_database_refuses_an_empty_agenda(person):
    refused(lambda: Agenda.objects.create(patient=person))


@pytest.mark.django_db
def test_database_refuses_an_unknown_kind_of_context_event(person):
    refused(lambda: ContextEvent.objects.create(patient=person, kind="alien", occurred_on=TODAY))


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "value"), [("index", 100.5), ("index", -1), ("coverage", 1.5)])
def test_database_refuses_a_summary_figure_out_of_range(person, field, value):
    refused(
        lambda: PatientSummary.objects.create(patient=person, period="2026Q2", **{field: value})
    )


@pytest.mark.django_db
def test_database_refuses_two_summaries_of_one_patient_for_one_period(person):
    PatientSummary.objects.create(patient=person, period="2026Q2")
    refused(lambda: PatientSummary.objects.create(patient=person, period="2026Q2"))


@pytest.mark.django_db
def test_target_is_refused_by_validation_too_with_the_rule_named(person):
    target = PersonalTarget(patient=person, marker=marker("59261-8"), low=60, high=50)
    with pytest.raises(ValidationError) as error:
        target.full_clean()
    assert "low must not be above high" in str(error.value)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("make", "field", "message"),
    [
        (
            lambda p: Rating(
                patient=p,
                element=framework_element("H1"),
                value=11,
                rated_on=TODAY,
                rater="patient",
            ),
            "value",
            "value must be between 0 and 10",
        ),
        (
            lambda p: Goal(
                patient=p,
                description="x",
                domain_id="H",
                importance=4,
                difficulty=1,
                baseline_on=TODAY,
            ),
            "importance",
            "importance must be between 1 and 3",
        ),
        (
            lambda p: PrioritySet(patient=p, effective_from=TODAY, total=120),
            "total",
            "total points must be between 1 and 100",
        ),
        (
            lambda p: Patient(display_name="A", birth_year=1800),
            "birth_year",
            f"birth_year must be between 1900 and {timezone.localdate().year} "
            "(a year of birth cannot be in the future)",
        ),
    ],
)
def test_validation_names_the_field_and_states_the_rule(person, make, field, message):
    record = make(person)
    with pytest.raises(ValidationError) as error:
        record.full_clean()
    assert message in error.value.message_dict[field]


@pytest.mark.django_db
def test_goal_review_validation_states_the_attainment_rule(person):
    review = GoalReview(goal=GoalFactory(patient=person), attainment=3, reviewed_on=TODAY)
    with pytest.raises(ValidationError) as error:
        review.full_clean()
    assert "attainment must be between -2 and 2" in error.value.message_dict["attainment"]


@pytest.mark.django_db
def test_personal_items_and_framework_elements_share_the_same_key_space(person):
    item = PersonalItemFactory(patient=person, label="Singing in the choir")
    assert item.key == f"P{item.pk}"
    assert framework_element("R3").key == "R3"
    assert set(Element.objects.for_patient(person).values_list("id", flat=True)) == (
        set(Element.objects.framework().values_list("id", flat=True)) | {item.pk}
    )
