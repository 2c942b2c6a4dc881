"""A condition's stage: sent as a number, answered as the schema gives it (a decimal string)."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("sent", "answered"), [(2, "2.0"), (2.5, "2.5"), (None, None)])
def test_a_stage_is_sent_as_a_number_and_answered_as_a_decimal_string(
    as_clinician, patient, sent, answered
):
    url = f"/api/v1/patients/{patient.pk}/conditions/"
    body = {"snomed_code": "49049000", "onset": "2021-03-01", "stage": sent}

    created = as_clinician.post(url, body, format="json")
    listed = as_clinician.get(url).json()["results"]

    assert created.status_code == 201
    assert created.json()["stage"] == answered
    assert [condition["stage"] for condition in listed] == [answered]


def test_the_schema_says_a_stage_is_a_decimal_string(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    stage = schema["components"]["schemas"]["ConditionOutput"]["properties"]["stage"]
    assert (stage["type"], stage["format"], stage["nullable"]) == ("string", "decimal", True)
