"""Numbers and ids are written with the digits 0 to 9 only. Python's str.isdigit() also says
True for "²" (which int() refuses) and for other scripts' digits such as Arabic-Indic "٣" (which
int() reads as 3): such input is refused like any other that is not a number, with the field
named under /api/ and the page's own refusal elsewhere, never a server error."""

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import ApiToken
from assessments.models import PrioritySet, Rating, personal_item_id
from assessments.services import personal_item_create, rating_record
from patients.models import Invitation, Patient, PatientImport
from ssm_outcomes.digits import ascii_digits, whole_number
from tests.support.api_tokens import api_key_for
from tests.support.two_step import set_up_approved

pytestmark = pytest.mark.django_db

SQUARED = "\u00b2"  # "²": isdigit() says True, int() refuses it
ARABIC_3 = "\u0663"  # "٣": isdigit() says True, int() reads 3
NOT_DIGITS = [SQUARED, ARABIC_3, f"1{SQUARED}", f"{ARABIC_3}{ARABIC_3}"]
NOT_AN_ELEMENT = (
    "{field} must be a framework code (H1 to R4) or one of this patient's items (P<id>); "
    "{given!r} is neither"
)
DAY = "2026-01-05"


def api(user) -> APIClient:
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(user)}")
    return client


def signed_in(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def transaction(local_id: str = "A1") -> dict:
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": "urn:uuid:1",
                "resource": {
                    "resourceType": "Patient",
                    "identifier": [{"value": local_id}],
                    "name": [{"text": "Grace H."}],
                    "birthDate": "1948-06-02",
                },
                "request": {"method": "POST", "url": "Patient"},
            }
        ],
    }


# --- The shared check ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["0", "7", "0042", "123456789012345678"])
def test_digits_0_to_9_are_digits(text):
    assert ascii_digits(text)
    assert whole_number(text) == int(text)


@pytest.mark.parametrize(
    "text", [*NOT_DIGITS, "", " 1", "1 ", "1\n", "-1", "+1", "1.0", "1_000", "x", None, 5]
)
def test_anything_else_is_not(text):
    assert not ascii_digits(text)
    assert whole_number(text) is None


def test_a_whole_number_has_at_most_so_many_digits():
    assert whole_number("9" * 18) == 10**18 - 1
    assert whole_number("9" * 19) is None
    assert whole_number("2026", most_digits=4) == 2026
    assert whole_number("02026", most_digits=4) is None
    assert whole_number("9" * 5000, most_digits=5000) is None  # past what int() reads


@pytest.mark.parametrize("key", [f"P{d}" for d in NOT_DIGITS] + ["P", "P-1", "H1"])
def test_a_personal_items_key_is_p_and_digits_0_to_9(key):
    assert personal_item_id(key) is None


def test_no_app_checks_digits_with_isdigit():
    """The checks above are the only ones: isdigit(), isdecimal() and isnumeric() take "²"."""
    root = Path(__file__).resolve().parents[2]
    apps = ["ssm_outcomes", "patients", "assessments", "indicators", "accounts", "clinic"]
    apps += ["portal", "interop", "demo", "benchmarks"]
    found = [
        f"{path.relative_to(root)}:{number}"
        for app in apps
        for path in (root / app).rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if any(f".{name}()" in line for name in ("isdigit", "isdecimal", "isnumeric"))
        and ".isascii() and " not in line
        and not line.lstrip().startswith("#")
        and path.name != "digits.py"
    ]

    assert found == []


# --- The API -------------------------------------------------------------------------------------


@pytest.mark.parametrize("written", NOT_DIGITS)
def test_a_team_filter_in_other_digits_is_refused_naming_team(clinician, written):
    response = api(clinician).get(f"/api/v1/patients/?team={written}")

    assert response.status_code == 400
    assert response.json() == {"team": ["team must be a team id (a whole number)"]}


@pytest.mark.parametrize("size", [*NOT_DIGITS, pytest.param("9" * 5000, id="5000 nines")])
def test_a_page_size_in_other_digits_is_refused_naming_page_size(clinician, patient, size):
    response = api(clinician).get(f"/api/v1/patients/{patient.pk}/ratings/?page_size={size}")

    assert response.status_code == 400
    assert response.json() == {"page_size": ["page_size must be a whole number from 1 to 500"]}


@pytest.mark.parametrize("digits", NOT_DIGITS)
def test_an_element_filter_in_other_digits_finds_no_ratings(clinician, patient, digits):
    response = api(clinician).get(f"/api/v1/patients/{patient.pk}/ratings/?element=P{digits}")

    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_an_element_filter_that_names_none_of_the_patients_elements_finds_no_ratings(
    clinician, patient, other_patient
):
    """As it always has: a filter matching nothing is an empty list, not a refusal."""
    theirs = personal_item_create(patient=other_patient, label="Allotment", domain="H")
    day = dt.date(2026, 1, 5)
    rating_record(patient=other_patient, element=theirs, value=5, rated_on=day, rater="patient")
    client = api(clinician)
    ratings = f"/api/v1/patients/{patient.pk}/ratings/"

    for key in ["Z9", "P999999999", theirs.key]:
        response = client.get(f"{ratings}?element={key}")
        assert response.status_code == 200, key
        assert response.json()["count"] == 0, key


def test_an_element_filter_of_a_code_or_an_own_item_still_filters(clinician, patient):
    item = personal_item_create(patient=patient, label="Choir", domain="H")
    client = api(clinician)
    ratings = f"/api/v1/patients/{patient.pk}/ratings/"
    for element in ["H2", item.key]:
        body = {"element": element, "value": 5, "rated_on": DAY, "rater": "proxy"}
        assert client.post(ratings, body, format="json").status_code == 201

    by_code = client.get(f"{ratings}?element=H2").json()
    by_item = client.get(f"{ratings}?element={item.key}").json()
    unfiltered = client.get(f"{ratings}?element=").json()

    assert [r["element"] for r in by_code["results"]] == ["H2"]
    assert [r["element"] for r in by_item["results"]] == [item.key]
    assert unfiltered["count"] == 2


@pytest.mark.parametrize("digits", NOT_DIGITS)
def test_a_rating_of_an_item_in_other_digits_is_refused_naming_element(clinician, patient, digits):
    key = f"P{digits}"
    body = {"element": key, "value": 5, "rated_on": DAY, "rater": "proxy"}
    response = api(clinician).post(f"/api/v1/patients/{patient.pk}/ratings/", body, format="json")

    assert response.status_code == 400
    assert response.json() == {"element": [NOT_AN_ELEMENT.format(field="element", given=key)]}
    assert not Rating.objects.exists()


@pytest.mark.parametrize("digits", NOT_DIGITS)
def test_points_for_an_item_in_other_digits_are_refused_naming_points(clinician, patient, digits):
    key = f"P{digits}"
    body = {"effective_from": DAY, "points": {key: 10}}
    response = api(clinician).post(
        f"/api/v1/patients/{patient.pk}/priorities/", body, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"points": [NOT_AN_ELEMENT.format(field="element", given=key)]}
    assert not PrioritySet.objects.exists()


@pytest.mark.parametrize("written", NOT_DIGITS)
def test_a_fhir_import_team_in_other_digits_is_refused_naming_team(clinician, team, written):
    url = f"/api/v1/fhir/?team={written}"
    response = api(clinician).post(url, transaction(), format="json")

    assert response.status_code == 400
    assert response.json() == {"team": ["must be the id of one of your teams"]}
    assert not Patient.objects.exists()


@pytest.mark.parametrize("value", [SQUARED, ARABIC_3])
def test_an_integer_field_refuses_other_digits(clinician, patient, value):
    body = {"element": "H1", "value": value, "rated_on": DAY, "rater": "proxy"}
    response = api(clinician).post(f"/api/v1/patients/{patient.pk}/ratings/", body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["value"]
    assert not Rating.objects.exists()


@pytest.mark.parametrize("record", [SQUARED, ARABIC_3, "9" * 23])
def test_a_record_id_in_other_digits_matches_no_route(clinician, patient, record):
    client = api(clinician)

    assert client.get(f"/api/v1/patients/{record}/").status_code == 404
    assert client.get(f"/api/v1/teams/{record}/summaries/2026Q1/").status_code == 404
    assert signed_in(clinician).get(f"/clinic/patients/{record}/").status_code == 404


# --- The pages -----------------------------------------------------------------------------------


@pytest.mark.parametrize("digits", NOT_DIGITS)
def test_a_question_for_an_item_in_other_digits_is_not_found(patient, digits):
    response = signed_in(patient.user).get(f"/me/how-it-is-going/P{digits}/")

    assert response.status_code == 404


@pytest.mark.parametrize("points", [*NOT_DIGITS, pytest.param("9" * 5000, id="5000 nines")])
def test_points_carried_to_the_sharing_step_in_other_digits_are_not_kept(patient, points):
    picks = {"stage": "pick", "action": "share", "picked": ["H2", "M2"], "points_H2": points}

    response = signed_in(patient.user).post(reverse("portal:priorities"), picks)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="points_H2" id="id_points_H2" value="50"' in html
    assert not PrioritySet.objects.exists()


@pytest.mark.parametrize("digit", [SQUARED, ARABIC_3])
def test_a_two_step_code_in_other_digits_is_not_a_code(clinician, digit):
    client = signed_in(clinician)
    set_up_approved(clinician)
    client.get(reverse("two_step"))

    response = client.post(reverse("two_step"), {"code": digit * 6})

    assert response.context["form"].errors == {"code": ["Enter the 6-digit code from your app."]}


@pytest.mark.parametrize("token", NOT_DIGITS)
def test_revoking_a_token_in_other_digits_is_not_found(clinician, token):
    api_key_for(clinician, name="GP system")

    response = signed_in(clinician).post(reverse("api_token_revoke"), {"token": token})

    assert response.status_code == 404
    assert ApiToken.objects.filter(user=clinician).count() == 1


@pytest.mark.parametrize("ticked", NOT_DIGITS)
def test_inviting_a_patient_in_other_digits_invites_no_one(clinician, patient, ticked):
    client = signed_in(clinician)

    response = client.post(reverse("clinic:invite-many"), {"patients": [ticked]})

    assert response.status_code == 302
    assert response["Location"] == reverse("clinic:caseload")
    assert "Tick the patients to invite" in client.get(response["Location"]).content.decode()
    assert not Invitation.objects.exists()


def upload(client, team, csv_text: str):
    data = csv_text.encode()
    return client.post(
        reverse("clinic:import-start"),
        {"team": team.pk, "file": SimpleUploadedFile("list.csv", data, content_type="text/csv")},
    )


@pytest.mark.parametrize(
    "year",
    [f"19{SQUARED}{SQUARED}", f"19{ARABIC_3}{ARABIC_3}", pytest.param("9" * 5000, id="5000 nines")],
)
def test_a_year_of_birth_in_other_digits_is_a_refused_row(clinician, team, year):
    client = signed_in(clinician)

    response = upload(client, team, f"display_name,birth_year,local_id\nAda L.,{year},X1\n")

    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "<td>2</td><td><code>birth_year</code></td>" in page
    assert "Write the year of birth as four digits" in page
    assert PatientImport.objects.get().state == PatientImport.State.PREVIEWED


@pytest.mark.parametrize(
    "onset", [f"2019-0{SQUARED}", f"{ARABIC_3}{ARABIC_3}19", "99999999999", "2019-99999999999"]
)
def test_an_onset_in_other_digits_or_too_long_is_a_refused_row(clinician, team, onset):
    client = signed_in(clinician)
    text = f"display_name,birth_year,local_id,conditions\nAda L.,1950,X1,44054006:{onset}\n"

    response = upload(client, team, text)

    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert f"The onset “{onset}” of 44054006 must be a date like 2019-03-01" in page
