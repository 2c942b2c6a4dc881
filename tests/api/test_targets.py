"""PUT and GET /api/v1/patients/{id}/targets/{loinc}/: one marker, however its code is written."""

import pytest

pytestmark = pytest.mark.django_db
TARGET = {"low": "6.5", "high": "7.5", "relevant": True}


@pytest.mark.parametrize("written", ["4548-4%20", "%204548-4"])
def test_a_target_saved_under_a_padded_code_is_read_back_under_it_and_the_plain_code(
    as_clinician, patient, written
):
    """The PUT reads a code with spaces round it as the marker's code; the GET did not, and
    answered 404 for the target just saved."""
    base = f"/api/v1/patients/{patient.pk}/targets/"
    saved = as_clinician.put(base + written + "/", TARGET, format="json")
    assert saved.status_code == 200
    for code in (written, "4548-4"):
        response = as_clinician.get(base + code + "/")
        assert response.status_code == 200, code
        assert response.json() == saved.json()


def test_a_code_with_no_target_is_still_not_found(as_clinician, patient):
    response = as_clinician.get(f"/api/v1/patients/{patient.pk}/targets/%204548-4/")
    assert response.status_code == 404
