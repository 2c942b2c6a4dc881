"""The validated instruments over the API: the library with licences, and a patient's responses
scored by assessments.instruments.score, with the access rules and 400/404s of ratings."""

from __future__ import annotations

import pytest

from assessments.instruments import score
from assessments.models import InstrumentResponse
from assessments.responses import instrument_pack_install
from patients.models import AuditEvent

pytestmark = pytest.mark.django_db
DAY = "2026-10-05"


def responses_url(patient) -> str:
    return f"/api/v1/patients/{patient.pk}/responses/"


def test_the_library_lists_every_instrument_with_its_licence_and_wording(as_clinician):
    body = as_clinician.get("/api/v1/instruments/").json()

    codes = [i["code"] for i in body]
    assert codes == ["ONS4", "SEMCD6", "PHQ2", "GAD2", "COLLABORATE", "EQ5D5L", "SWEMWBS"]
    phq2 = body[codes.index("PHQ2")]
    assert set(phq2) == {"code", "name", "version", "licence", "informs", "items"}
    assert phq2["licence"]["kind"] in ("open", "attribution")
    assert phq2["licence"]["notice"]
    assert phq2["informs"] == ["H4"]
    assert [item["link_id"] for item in phq2["items"]] == ["1", "2"]
    assert phq2["items"][0]["text"] == "Little interest or pleasure in doing things"
    assert [o["value"] for o in phq2["items"][0]["options"]] == [0, 1, 2, 3]
    assert phq2["items"][0]["options"][0]["label"] == "Not at all"


def test_a_licensed_instrument_has_no_text_until_a_pack_is_installed(as_clinician):
    eq5d = next(i for i in as_clinician.get("/api/v1/instruments/").json() if i["code"] == "EQ5D5L")
    assert eq5d["licence"]["kind"] in ("registration", "licensed")
    assert {item["text"] for item in eq5d["items"]} == {None}


def test_a_clinician_records_a_proxy_response_and_gets_its_scores(as_clinician, patient, clinician):
    response = as_clinician.post(
        responses_url(patient),
        {"instrument": "PHQ2", "answers": {"1": 2, "2": 2}, "completed_on": DAY,
         "rater": "proxy"},
        format="json",
    )  # fmt: skip

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["scores"] == score("PHQ2", {"1": 2, "2": 2}) == {"score": 4, "positive": True}
    stored = InstrumentResponse.objects.get(pk=body["id"])
    assert (stored.rater, stored.entered_by, stored.answers) == (
        "proxy",
        clinician,
        {"1": 2, "2": 2},
    )
    assert (
        AuditEvent.objects.filter(
            patient=patient, action="create", what="instrument responses"
        ).count()
        == 1
    )


def test_a_patient_records_their_own_and_a_skipped_item_is_stored_as_null(as_patient, patient):
    response = as_patient.post(
        responses_url(patient),
        {"instrument": "SEMCD6", "answers": {"1": 7, "2": 8, "3": None, "4": 6, "5": 7},
         "completed_on": DAY, "rater": "patient"},
        format="json",
    )  # fmt: skip

    assert response.status_code == 201, response.content
    assert response.json()["scores"] == {"score": 7.0}
    assert response.json()["answers"] == {"1": 7, "2": 8, "3": None, "4": 6, "5": 7, "6": None}


def test_every_problem_is_reported_at_once_naming_the_field_and_the_item(as_clinician, patient):
    response = as_clinician.post(
        responses_url(patient),
        {"instrument": "PHQ2", "answers": {"1": 4, "3": 1}, "completed_on": "2999-01-01",
         "rater": "patient"},
        format="json",
    )  # fmt: skip

    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"answers", "completed_on", "rater"}
    assert any("item 1 of PHQ2" in m and "0–3" in m for m in errors["answers"])
    assert any("'3'" in m for m in errors["answers"])
    assert errors["completed_on"] == ["completed_on must not be in the future"]
    assert InstrumentResponse.objects.count() == 0


def test_an_unknown_instrument_is_refused_with_the_codes(as_clinician, patient):
    response = as_clinician.post(
        responses_url(patient),
        {"instrument": "PHQ9", "answers": {"1": 1}, "completed_on": DAY, "rater": "proxy"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["instrument"][0].startswith("instrument must be one of ONS4, SEMCD6")


def test_responses_are_listed_and_filtered_by_instrument(as_clinician, patient):
    for code, answers in (("PHQ2", {"1": 0, "2": 1}), ("GAD2", {"1": 3, "2": 3})):
        as_clinician.post(
            responses_url(patient),
            {"instrument": code, "answers": answers, "completed_on": DAY, "rater": "proxy"},
            format="json",
        )

    listed = as_clinician.get(responses_url(patient), {"instrument": "GAD2"}).json()

    assert listed["count"] == 1
    assert listed["results"][0]["scores"] == {"score": 6, "positive": True}
    assert as_clinician.get(responses_url(patient), {"instrument": "X"}).status_code == 400


def test_another_teams_clinician_and_a_manager_get_404(as_other_clinician, as_manager, patient):
    body = {"instrument": "PHQ2", "answers": {"1": 0, "2": 0}, "completed_on": DAY,
            "rater": "proxy"}  # fmt: skip
    for client in (as_other_clinician, as_manager):
        assert client.get(responses_url(patient)).status_code == 404
        assert client.post(responses_url(patient), body, format="json").status_code == 404
    assert InstrumentResponse.objects.count() == 0


def test_an_installed_pack_gives_the_licensed_wording_in_its_language(as_clinician):
    pack = {
        "instrument": "SWEMWBS", "language": "en-gb", "version": "site copy 1",
        "instructions": "Placeholder instructions",
        "items": {str(n): {"text": f"Placeholder statement {n}",
                           "options": {str(v): f"Label {v}" for v in range(1, 6)}}
                  for n in range(1, 8)},
    }  # fmt: skip
    instrument_pack_install(pack)

    swemwbs = next(
        i for i in as_clinician.get("/api/v1/instruments/").json() if i["code"] == "SWEMWBS"
    )

    assert swemwbs["items"][0]["text"] == "Placeholder statement 1"


@pytest.mark.parametrize(
    ("header", "language", "first_words"),
    [
        ("de-DE,nl;q=0.5", "nl", "NL vraag 1"),  # no German: the Dutch asked for next
        ("nl;q=0.1,en-GB;q=0.9", "en-gb", "Little interest"),  # English weighed higher
        ("nl-BE", "nl-be", "NL vraag 1"),  # Flemish reads the Dutch pack
    ],
)
def test_the_wording_follows_accept_languages_weights_as_content_language_does(
    as_clinician, header, language, first_words
):
    pack = {
        "instrument": "PHQ2", "language": "nl", "version": "test", "instructions": "NL uitleg",
        "items": {str(n): {"text": f"NL vraag {n}",
                           "options": {str(v): f"NL {v}" for v in range(4)}}
                  for n in (1, 2)},
    }  # fmt: skip
    instrument_pack_install(pack)

    response = as_clinician.get("/api/v1/instruments/", HTTP_ACCEPT_LANGUAGE=header)

    phq2 = next(i for i in response.json() if i["code"] == "PHQ2")
    assert response["Content-Language"] == language
    assert phq2["items"][0]["text"].startswith(first_words)
