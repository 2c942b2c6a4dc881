"""marker_for_loinc, reading_record and target_set: biomedical readings and the range agreed with
the person, in the unit each marker is recorded in."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from assessments.models import PersonalTarget, Reading
from assessments.services import marker_for_loinc, reading_record, target_set
from tests.factories import marker

from .helpers import days_ago, stale_marks, today, tomorrow

pytestmark = pytest.mark.django_db

SUPPORTED = "39156-5, 29463-7, 8462-4, 4548-4, 59261-8, 8480-6, 14647-2"


# --- marker_for_loinc ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("loinc", "name", "unit"),
    [
        ("59261-8", "HbA1c (IFCC)", "mmol/mol"),
        (" 8480-6 ", "Systolic blood pressure", "mm[Hg]"),
        ("29463-7", "Body weight", "kg"),
    ],
)
def test_a_supported_loinc_code_names_its_marker(loinc, name, unit):
    found = marker_for_loinc(loinc)
    assert (found.loinc, found.name, found.unit) == (loinc.strip(), name, unit)


@pytest.mark.parametrize("loinc", ["1234-5", "", "59261"])
def test_an_unsupported_code_is_refused_listing_the_supported_ones(loinc):
    with pytest.raises(ValidationError) as error:
        marker_for_loinc(loinc)

    assert error.value.message_dict == {
        "loinc": [f"loinc {loinc} is not a supported marker ({SUPPORTED})"]
    }


def test_the_error_is_reported_under_the_field_asked_for():
    with pytest.raises(ValidationError) as error:
        marker_for_loinc("0000-0", field="target_loinc")

    assert error.value.message_dict == {
        "target_loinc": [f"loinc 0000-0 is not a supported marker ({SUPPORTED})"]
    }


# --- reading_record ------------------------------------------------------------------------


def read(patient, **changes):
    arguments = {
        "patient": patient,
        "loinc": "59261-8",
        "value": "52",
        "unit": "mmol/mol",
        "taken_on": days_ago(2),
    }
    arguments.update(changes)
    return reading_record(**arguments)


def test_a_reading_is_stored_to_two_decimal_places_and_marks_the_summaries_stale(patient):
    reading = read(patient, value="52.456")

    reading.refresh_from_db()
    assert (reading.patient, reading.marker, reading.taken_on) == (
        patient,
        marker("59261-8"),
        days_ago(2),
    )
    assert reading.value == Decimal("52.46")
    assert (reading.recorded_by, reading.encounter) == (None, None)
    assert stale_marks(patient) == 1


@pytest.mark.parametrize("value", [61, 61.0, "61", Decimal("61.00"), " 61 "])
def test_a_reading_takes_a_number_in_any_form(patient, value):
    assert read(patient, value=value).value == Decimal("61.00")


def test_a_reading_in_an_encounter_records_who_and_where(patient, clinician, encounter):
    reading = read(patient, recorded_by=clinician, encounter=encounter, taken_on=today())

    reading.refresh_from_db()
    assert (reading.recorded_by, reading.encounter, reading.taken_on) == (
        clinician,
        encounter,
        today(),
    )


@pytest.mark.parametrize("unit", ["mm[Hg]", "mmHg"])
def test_a_reading_in_the_recorded_or_the_displayed_unit_is_accepted(patient, unit):
    reading = read(patient, loinc="8480-6", value=135, unit=unit)
    assert (reading.marker.loinc, reading.value) == ("8480-6", Decimal("135.00"))


@pytest.mark.parametrize("value", ["20", "200", "20.00", "199.999"])
def test_readings_at_the_ends_of_the_plausible_range_are_accepted(patient, value):
    assert Decimal("20") <= read(patient, value=value).value <= Decimal("200")


def reading_refused(patient, **changes) -> dict:
    with pytest.raises(ValidationError) as error:
        read(patient, **changes)
    assert not Reading.objects.exists()
    assert stale_marks(patient) == 0
    return error.value.message_dict


@pytest.mark.parametrize("unit", ["%", "mmol/L", "", "MMOL/MOL"])
def test_a_reading_in_another_unit_is_refused_naming_the_unit(patient, unit):
    assert reading_refused(patient, unit=unit) == {
        "unit": ["unit must be mmol/mol for HbA1c (IFCC) (59261-8)"]
    }


def test_a_blood_pressure_in_another_unit_names_the_recorded_unit(patient):
    assert reading_refused(patient, loinc="8480-6", value=135, unit="kPa") == {
        "unit": ["unit must be mm[Hg] for Systolic blood pressure (8480-6)"]
    }


@pytest.mark.parametrize("value", ["abc", "NaN", "Infinity", "-inf", "5,2", True, [52]])
def test_a_reading_that_is_not_a_number_is_refused(patient, value):
    assert reading_refused(patient, value=value) == {"value": ["value must be a number"]}


@pytest.mark.parametrize("value", ["19.99", "200.01", "900", "-52", "0", None, ""])
def test_a_reading_outside_the_plausible_range_is_refused_stating_the_range(patient, value):
    assert reading_refused(patient, value=value) == {
        "value": ["value must be between 20.00 and 200.00 mmol/mol"]
    }


def test_an_implausible_blood_pressure_states_its_range_in_the_displayed_unit(patient):
    assert reading_refused(patient, loinc="8480-6", value=300, unit="mm[Hg]") == {
        "value": ["value must be between 60.00 and 260.00 mmHg"]
    }


def test_a_reading_of_an_unsupported_marker_is_refused(patient):
    assert reading_refused(patient, loinc="1234-5") == {
        "loinc": [f"loinc 1234-5 is not a supported marker ({SUPPORTED})"]
    }


def test_a_reading_dated_in_the_future_is_refused(patient):
    assert reading_refused(patient, taken_on=tomorrow()) == {
        "taken_on": ["taken_on must not be in the future"]
    }


def test_a_reading_dated_before_1900_is_refused(patient):
    assert reading_refused(patient, taken_on=dt.date(1850, 1, 1)) == {
        "taken_on": ["taken_on must not be before 1900"]
    }


def test_a_reading_in_another_patients_encounter_is_refused(patient, others_encounter):
    assert reading_refused(patient, encounter=others_encounter) == {
        "encounter": ["encounter must be one of this patient's"]
    }


# --- target_set ----------------------------------------------------------------------------


def test_a_target_range_is_stored_and_marks_the_summaries_stale(patient, clinician):
    target = target_set(
        patient=patient, loinc="59261-8", low="48", high=58.5, reason="  Agreed  ", set_by=clinician
    )

    target.refresh_from_db()
    assert (target.patient, target.marker, target.low, target.high) == (
        patient,
        marker("59261-8"),
        Decimal("48.00"),
        Decimal("58.50"),
    )
    assert (target.relevant, target.reason, target.set_by) == (True, "Agreed", clinician)
    assert target.has_range is True
    assert stale_marks(patient) == 1


@pytest.mark.parametrize(("low", "high"), [(None, 140), (90, None), ("", 140), (120, 120)])
def test_a_target_may_have_one_end_or_a_single_value(patient, low, high):
    target = target_set(patient=patient, loinc="8480-6", low=low, high=high)

    target.refresh_from_db()
    expected = (
        None if low in (None, "") else Decimal(low),
        None if high is None else Decimal(high),
    )
    assert (target.low, target.high) == expected


def test_a_marker_can_be_marked_not_relevant_without_a_range(patient):
    target = target_set(
        patient=patient, loinc="29463-7", relevant=False, reason="Losing weight unwillingly"
    )

    target.refresh_from_db()
    assert (target.relevant, target.low, target.high, target.has_range) == (
        False,
        None,
        None,
        False,
    )
    assert target.reason == "Losing weight unwillingly"


def test_setting_a_target_again_replaces_the_earlier_one(patient, clinician):
    first = target_set(patient=patient, loinc="59261-8", low=48, high=58, reason="First")
    second = target_set(patient=patient, loinc="59261-8", high=64, relevant=True, set_by=clinician)

    assert second.pk == first.pk
    target = PersonalTarget.objects.get(patient=patient)
    assert (target.low, target.high, target.reason, target.set_by) == (
        None,
        Decimal("64.00"),
        "",
        clinician,
    )
    assert stale_marks(patient) == 2


def test_each_marker_has_its_own_target(patient):
    target_set(patient=patient, loinc="59261-8", high=58)
    target_set(patient=patient, loinc="8480-6", high=140)

    assert sorted(
        PersonalTarget.objects.filter(patient=patient).values_list("marker__loinc", "high")
    ) == [("59261-8", Decimal("58.00")), ("8480-6", Decimal("140.00"))]


def target_refused(patient, **changes) -> ValidationError:
    arguments = {"patient": patient, "loinc": "59261-8", "low": 48, "high": 58}
    arguments.update(changes)
    with pytest.raises(ValidationError) as error:
        target_set(**arguments)
    assert not PersonalTarget.objects.exists()
    assert stale_marks(patient) == 0
    return error.value


@pytest.mark.parametrize(("low", "high"), [(None, None), ("", ""), (None, "")])
def test_a_relevant_target_without_a_range_is_refused(patient, low, high):
    error = target_refused(patient, low=low, high=high)

    assert error.message_dict == {
        "low": ["give low, high or both, or mark the marker not relevant"]
    }
    assert error.error_dict["low"][0].code == "target_range_missing"


def test_a_low_end_above_the_high_end_is_refused(patient):
    assert target_refused(patient, low=60, high=50).message_dict == {
        "low": ["low must not be above high"]
    }


@pytest.mark.parametrize(("field", "value"), [("low", "abc"), ("high", "inf"), ("low", "NaN")])
def test_an_end_that_is_not_a_number_is_refused(patient, field, value):
    assert target_refused(patient, **{field: value}).message_dict == {
        field: [f"{field} must be a number"]
    }


def test_a_target_for_an_unsupported_marker_is_refused(patient):
    assert target_refused(patient, loinc="1234-5").message_dict == {
        "loinc": [f"loinc 1234-5 is not a supported marker ({SUPPORTED})"]
    }


def test_an_existing_target_survives_a_refused_change(patient):
    target_set(patient=patient, loinc="59261-8", low=48, high=58)

    with pytest.raises(ValidationError):
        target_set(patient=patient, loinc="59261-8", low=70, high=60)

    target = PersonalTarget.objects.get(patient=patient)
    assert (target.low, target.high) == (Decimal("48.00"), Decimal("58.00"))
    assert stale_marks(patient) == 1
