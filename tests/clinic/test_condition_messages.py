"""A condition added or changed on the supporting-records page is refused with every problem at
once, each beside its box, and nothing is saved."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from patients.models import Condition
from patients.services import condition_record
from patients.validation import worded

pytestmark = pytest.mark.django_db
PARKINSONS = "49049000"
STAGE_RULE = "“Stage (where the condition is staged)” must be between 1.0 and 5.0 (Hoehn and Yahr)."
ONSET_RULE = "“Since” must not be in the future."


def test_a_new_condition_with_a_future_onset_and_a_stage_out_of_range_is_told_both(
    signed_in, patient
):
    response = signed_in.post(
        reverse("clinic:condition-add", args=[patient.pk]),
        {
            "new-condition-snomed_code": PARKINSONS,
            "new-condition-onset": "2030-01-01",
            "new-condition-stage": "9",
        },
    )

    assert response.status_code == 400
    assert response.context["failed"].errors == {"onset": [ONSET_RULE], "stage": [STAGE_RULE]}
    assert not Condition.objects.exists()


def test_a_changed_condition_with_a_future_onset_and_a_stage_out_of_range_is_told_both(
    signed_in, patient
):
    condition = condition_record(patient=patient, snomed_code=PARKINSONS, stage=2)
    prefix = f"condition-{condition.pk}"

    response = signed_in.post(
        reverse("clinic:condition-change", args=[patient.pk, condition.pk]),
        {
            f"{prefix}-snomed_code": PARKINSONS,
            f"{prefix}-onset": "2030-01-01",
            f"{prefix}-stage": "9",
        },
    )

    assert response.status_code == 400
    assert response.context["failed"].errors == {"onset": [ONSET_RULE], "stage": [STAGE_RULE]}
    condition.refresh_from_db()
    assert (condition.onset, condition.stage) == (None, 2)
    assert 'value="2030-01-01"' in response.content.decode()


def test_a_condition_already_recorded_is_told_with_its_stage_out_of_range(signed_in, patient):
    condition_record(patient=patient, snomed_code=PARKINSONS, onset=dt.date(2020, 1, 1))

    response = signed_in.post(
        reverse("clinic:condition-add", args=[patient.pk]),
        {"new-condition-snomed_code": PARKINSONS, "new-condition-stage": "9"},
    )

    assert response.status_code == 400
    assert set(response.context["failed"].errors) == {"snomed_code", "stage"}
    assert Condition.objects.count() == 1


def test_a_new_condition_not_chosen_is_told_with_its_future_onset(signed_in, patient):
    response = signed_in.post(
        reverse("clinic:condition-add", args=[patient.pk]),
        {"new-condition-snomed_code": "", "new-condition-onset": "2030-01-01"},
    )

    assert response.status_code == 400
    assert response.context["failed"].errors == {
        "snomed_code": ["Choose one for “Condition”."],
        "onset": [ONSET_RULE],
    }
    assert 'value="2030-01-01"' in response.content.decode()
    assert not Condition.objects.exists()


def test_a_condition_the_service_does_not_record_is_refused_with_its_future_onset(patient):
    with pytest.raises(ValidationError) as refused:
        condition_record(patient=patient, snomed_code="123", onset=dt.date(2030, 1, 1))

    assert {
        field: [worded(e) for e in errors] for field, errors in refused.value.error_dict.items()
    } == {
        "snomed_code": ["snomed_code 123 is not a condition this service records"],
        "onset": ["onset must not be in the future"],
    }
    assert not Condition.objects.exists()
