"""Bad input answers 400 naming the field and the rule, and leaves nothing half-written."""

import pytest

from assessments.models import PrioritySet, Rating
from ssm_outcomes.rest import NamedRulesSerializer, _drf_defaults, _rule_for

pytestmark = pytest.mark.django_db
DAY = "2026-02-10"


def post(client, patient, path, body):
    return client.post(f"/api/v1/patients/{patient.pk}/{path}", body, format="json")


@pytest.mark.parametrize(
    ("path", "body", "field", "message"),
    [
        (
            "ratings/",
            {"element": "H1", "value": 11, "rated_on": DAY, "rater": "proxy"},
            "value",
            "value must be between 0 and 10",
        ),
        (
            "ratings/",
            {"element": "Z9", "value": 5, "rated_on": DAY, "rater": "proxy"},
            "element",
            "element must be a framework code (H1 to R4)",
        ),
        (
            "ratings/",
            {"element": "H1", "value": 5, "rated_on": "yesterday", "rater": "proxy"},
            "rated_on",
            "rated_on must be a date like 2026-03-31",
        ),
        (
            "ratings/",
            {"element": "H1", "value": 5, "rated_on": DAY, "rater": "patient"},
            "rater",
            "staff enter a patient's answer as proxy",
        ),
        (
            "ratings/",
            {"element": "H1", "value": 5, "rated_on": DAY, "rater": "proxy", "encounter": 999999},
            "encounter",
            "encounter must be one of this patient's",
        ),
        (
            "priorities/",
            {"effective_from": DAY, "points": {"H1": 80, "H2": 40}},
            "points",
            "points must add up to between 1 and 100 (they add up to 120)",
        ),
        (
            "priorities/",
            {"effective_from": DAY, "points": {"H1": -5}},
            "points",
            "points must be whole numbers, 0 or more",
        ),
        (
            "goals/",
            {
                "description": "  ",
                "domain": "H",
                "importance": 2,
                "difficulty": 2,
                "baseline_on": DAY,
            },
            "description",
            "description must say what the goal is",
        ),
        (
            "goals/",
            {
                "description": "Walk",
                "domain": "H",
                "importance": 4,
                "difficulty": 2,
                "baseline_on": DAY,
            },
            "importance",
            "importance must be a whole number between 1 and 3",
        ),
        (
            "readings/",
            {"loinc": "1234-5", "value": 5, "unit": "mmol/mol", "taken_on": DAY},
            "loinc",
            "loinc 1234-5 is not a supported marker",
        ),
        (
            "readings/",
            {"loinc": "59261-8", "value": 5, "unit": "%", "taken_on": DAY},
            "unit",
            "unit must be mmol/mol",
        ),
        (
            "readings/",
            {"loinc": "59261-8", "value": 900, "unit": "mmol/mol", "taken_on": DAY},
            "value",
            "value must be between 20.00 and 200.00 mmol/mol",
        ),
        (
            "encounters/",
            {
                "occurred_at": "2026-02-10T10:00:00Z",
                "mode": "telepathy",
                "initiated_by": "patient",
                "duration_minutes": 10,
            },
            "mode",
            "mode must be one of face_to_face, phone, video, group, message",
        ),
        (
            "conditions/",
            {"snomed_code": "49049000", "stage": 7},
            "stage",
            "stage must be between 1.0 and 5.0 (Hoehn and Yahr)",
        ),
    ],
)
def test_bad_input_is_refused_with_the_field_and_rule_named(
    as_clinician, patient, path, body, field, message
):
    response = post(as_clinician, patient, path, body)

    assert response.status_code == 400
    errors = response.json()
    assert field in errors, errors
    assert message in str(errors[field]), errors


def test_unknown_fields_are_refused_not_ignored(as_clinician, patient):
    response = post(
        as_clinician,
        patient,
        "ratings/",
        {
            "element": "H1",
            "value": 5,
            "rated_on": DAY,
            "rater": "proxy",
            "patient": 12345,
            "entered_by": 1,
        },
    )
    assert response.status_code == 400
    assert response.json() == {
        "entered_by": ["unknown field: it cannot be set here"],
        "patient": ["unknown field: it cannot be set here"],
    }
    assert not Rating.objects.exists()


def test_a_refused_priority_set_leaves_no_partial_rows(as_clinician, patient):
    response = post(
        as_clinician,
        patient,
        "priorities/",
        {"effective_from": DAY, "points": {"H1": 50, "P999999": 10}},
    )
    assert response.status_code == 400
    assert "points" in response.json()
    assert not PrioritySet.objects.exists()


def test_a_patient_cannot_rate_on_anyone_elses_personal_item(as_patient, patient, other_patient):
    from assessments.services import personal_item_create

    theirs = personal_item_create(patient=other_patient, label="Fishing", domain="H")
    response = post(
        as_patient,
        patient,
        "ratings/",
        {"element": theirs.key, "value": 5, "rated_on": DAY, "rater": "patient"},
    )
    assert response.status_code == 400
    assert "element" in response.json()


def test_a_malformed_date_filter_is_named(as_clinician, patient):
    response = as_clinician.get(f"/api/v1/patients/{patient.pk}/ratings/?from=last-week")
    assert response.status_code == 400
    assert response.json() == {"from": ["from must be a date like 2026-03-31"]}


def test_a_quarter_without_a_summary_is_404(as_clinician, patient, team):
    assert as_clinician.get(f"/api/v1/patients/{patient.pk}/summaries/2026Q1/").status_code == 404
    assert as_clinician.get(f"/api/v1/teams/{team.pk}/summaries/2026Q1/").status_code == 404


@pytest.mark.parametrize("period", ["spring", "2026Q5", "2026Q9", "2026-Q4", "1899Q4"])
@pytest.mark.parametrize("route", ["patients/{patient}", "teams/{team}"])
def test_a_malformed_summary_period_is_400_naming_it(
    as_clinician, as_other_clinician, patient, team, route, period
):
    """As for the comparison of teams: a period that is not a quarter is bad input, not a
    quarter with nothing in it. A record outside the caller's role still answers 404 first."""
    url = f"/api/v1/{route.format(patient=patient.pk, team=team.pk)}/summaries/{period}/"
    for language, rule in (
        ("en-GB", "period must look like 2026Q3"),
        ("nl", "period moet eruitzien als 2026Q3"),
    ):
        response = as_clinician.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert (response.status_code, response.json()) == (400, {"period": [rule]})
    assert as_other_clinician.get(url).status_code == 404


ENCOUNTER = {
    "occurred_at": "2026-02-10T10:00:00Z",
    "mode": "phone",
    "initiated_by": "patient",
    "duration_minutes": 10,
}
GOAL = {"description": "Swim", "domain": "H", "importance": 2, "difficulty": 2, "baseline_on": DAY}
RATING = {"element": "H1", "value": 5, "rated_on": DAY, "rater": "proxy"}


@pytest.mark.parametrize(
    ("path", "changes", "english", "dutch"),
    [
        (
            "encounters/",
            {"initiated_by": "clinician"},
            {"initiated_by": ["initiated_by must be one of patient, service"]},
            {"initiated_by": ["initiated_by moet een van deze zijn: patient, service"]},
        ),
        (
            "encounters/",
            {"duration_minutes": 0},
            {"duration_minutes": ["duration_minutes must be a whole number between 1 and 480"]},
            {"duration_minutes": [
                "duration_minutes moet een heel getal zijn van 1 tot en met 480"
            ]},
        ),
        (
            "encounters/",
            {"strategies": ["goal_setting", "skills_practice"]},
            {"strategies": {"1": [
                "strategies must be one of information, skills, goal_setting, problem_solving, "
                "signposting, family, peer_support"
            ]}},
            {"strategies": {"1": [
                "strategies moet een van deze zijn: information, skills, goal_setting, "
                "problem_solving, signposting, family, peer_support"
            ]}},
        ),
        (
            "goals/",
            {"importance": 4},
            {"importance": ["importance must be a whole number between 1 and 3"]},
            {"importance": ["importance moet een heel getal zijn van 1 tot en met 3"]},
        ),
        (
            "goals/",
            {"domain": "X"},
            {"domain": ["domain must be one of H, M, R"]},
            {"domain": ["domain moet een van deze zijn: H, M, R"]},
        ),
        (
            "goals/",
            {"description": ""},
            {"description": ["description must say what the goal is"]},
            {"description": ["description moet zeggen wat het doel is"]},
        ),
        (
            "ratings/",
            {"value": 11},
            {"value": ["value must be between 0 and 10"]},
            {"value": ["value moet tussen 0 en 10 liggen"]},
        ),
        (
            "ratings/",
            {"rater": "carer"},
            {"rater": ["rater must be one of patient, proxy, clinician"]},
            {"rater": ["rater moet een van deze zijn: patient, proxy, clinician"]},
        ),
        (
            "priorities/",
            {"effective_from": DAY, "points": {"H2": -3}},
            {"points": {"H2": ["points must be whole numbers, 0 or more"]}},
            {"points": {"H2": ["points moeten hele getallen zijn, 0 of meer"]}},
        ),
        (
            "context-events/",
            {"kind": "hospital_admission", "occurred_on": DAY},
            {"kind": [
                "kind must be one of new_diagnosis, progression, admission, bereavement, "
                "new_job, carer_change, other"
            ]},
            {"kind": [
                "kind moet een van deze zijn: new_diagnosis, progression, admission, "
                "bereavement, new_job, carer_change, other"
            ]},
        ),
    ],
)  # fmt: skip
def test_a_field_refused_by_its_type_names_itself_and_its_rule_in_the_readers_language(
    as_clinician, patient, path, changes, english, dutch
):
    """A choice not offered or a number out of range is refused as the services refuse theirs,
    naming the field and the rule, in the language asked for (it said DRF's '"x" is not a valid
    choice.' and 'Ensure this value is less than or equal to 3.', and the API's own rules stayed
    English whatever the language)."""
    body = {"encounters/": ENCOUNTER, "goals/": GOAL, "ratings/": RATING}.get(path, {})
    url = f"/api/v1/patients/{patient.pk}/{path}"
    response = as_clinician.post(url, {**body, **changes}, format="json")
    assert (response.status_code, response.json()) == (400, english)
    response = as_clinician.post(url, {**body, **changes}, format="json", HTTP_ACCEPT_LANGUAGE="nl")
    assert (response.status_code, response.json()) == (400, dutch)


PAGE_RULE = {"page": ["page must be a whole number from 1"]}


@pytest.mark.parametrize("page", ["abc", "0", "-1", "1.0", "", "\u00b2"])
@pytest.mark.parametrize("path", ["patients/", "patients/{id}/ratings/"])
def test_a_page_that_is_not_a_page_number_is_named(as_clinician, patient, path, page):
    url = "/api/v1/" + path.format(id=patient.pk)
    response = as_clinician.get(url, {"page": page})
    assert response.status_code == 400
    assert response.json() == PAGE_RULE


def test_good_page_numbers_still_answer(as_clinician, patient):
    from tests.factories import RatingFactory

    for day in (1, 2, 3):
        RatingFactory(patient=patient, rated_on=f"2026-02-0{day}", value=day)
    url = f"/api/v1/patients/{patient.pk}/ratings/"
    for first in ("1", "01", " 1"):  # as int() reads them, as before
        assert as_clinician.get(url, {"page": first}).json()["count"] == 3
    second = as_clinician.get(url, {"page": "2", "page_size": "2"}).json()
    assert len(second["results"]) == 1
    assert as_clinician.get(url, {"page": "last", "page_size": "2"}).json() == second
    for beyond in ("3", "9" * 30):  # a page number, but no such page: as before
        response = as_clinician.get(url, {"page": beyond, "page_size": "2"})
        assert (response.status_code, response.json()) == (404, {"detail": "Invalid page."})


@pytest.mark.parametrize(
    ("method", "path", "body", "english", "dutch"),
    [
        (
            "post", "ratings/", {**RATING, "colour": "red"},
            {"colour": ["unknown field: it cannot be set here"]},
            {"colour": ["onbekend veld: dit kun je hier niet invullen"]},
        ),
        (
            "post", "ratings/", {**RATING, "value": "5"},
            {"value": ["must be a whole number, not str"]},
            {"value": ["moet een heel getal zijn, geen str"]},
        ),
        (
            "post", "context-events/", {"kind": "other", "occurred_on": DAY, "note": "x" * 1001},
            {"note": ["note must be at most 1000 characters"]},
            {"note": ["note mag hoogstens 1000 tekens lang zijn"]},
        ),
        (
            "get", "ratings/?page_size=0", None,
            {"page_size": ["page_size must be a whole number from 1 to 500"]},
            {"page_size": ["page_size moet een heel getal zijn van 1 tot en met 500"]},
        ),
        (
            "get", "ratings/?page=0", None,
            {"page": ["page must be a whole number from 1"]},
            {"page": ["page moet een heel getal zijn, 1 of meer"]},
        ),
        (
            "get", "ratings/?to=", None,
            {"to": ["to must be a date like 2026-03-31"]},
            {"to": ["to moet een datum zijn zoals 2026-03-31"]},
        ),
    ],
)  # fmt: skip
def test_the_apis_own_rules_follow_the_readers_language(
    as_clinician, patient, method, path, body, english, dutch
):
    """Refusals of the API's own making (an unknown field, a wrong JSON type, a text too long,
    a bad page or date filter) are in the reader's language, like every other rule's (they
    stayed English under Accept-Language: nl)."""
    url = f"/api/v1/patients/{patient.pk}/{path}"
    send = getattr(as_clinician, method)
    for language, expected in (("en-GB", english), ("nl", dutch)):
        response = send(url, body, format="json", HTTP_ACCEPT_LANGUAGE=language)
        assert (response.status_code, response.json()) == (400, expected)


def test_a_malformed_comparison_period_is_named_in_the_readers_language(as_manager):
    for language, expected in (
        ("en-GB", "period must look like 2026Q3"),
        ("nl", "period moet eruitzien als 2026Q3"),
    ):
        response = as_manager.get("/api/v1/comparisons/spring/", HTTP_ACCEPT_LANGUAGE=language)
        assert (response.status_code, response.json()) == (400, {"period": [expected]})


@pytest.mark.parametrize(
    ("client", "method", "path", "english", "dutch"),
    [
        (
            "as_patient", "post", "patients/{id}/conditions/",
            "your role (patient) cannot add conditions",
            "je rol (patient) mag dit niet: aandoeningen toevoegen",
        ),
        (
            "as_patient", "post", "patients/{id}/readings/",
            "your role (patient) cannot add readings",
            "je rol (patient) mag dit niet: metingen toevoegen",
        ),
        (
            "as_patient", "post", "patients/",
            "your role (patient) cannot register patients",
            "je rol (patient) mag dit niet: patiënten registreren",
        ),
        (
            "as_patient", "put", "patients/{id}/targets/4548-4/",
            "your role (patient) cannot set personal targets",
            "je rol (patient) mag dit niet: persoonlijke streefwaarden instellen",
        ),
        (
            "as_manager", "get", "patients/",
            "your role (manager) cannot list patients",
            "je rol (manager) mag dit niet: patiënten opvragen",
        ),
    ],
)  # fmt: skip
def test_a_request_outside_the_callers_role_is_refused_in_their_language(
    request, patient, client, method, path, english, dutch
):
    """A 403 says which role cannot do what, in the reader's language (it stayed English)."""
    send = getattr(request.getfixturevalue(client), method)
    url = "/api/v1/" + path.format(id=patient.pk)
    for language, expected in (("en-GB", english), ("nl", dutch)):
        response = send(url, {}, format="json", HTTP_ACCEPT_LANGUAGE=language)
        assert (response.status_code, response.json()) == (403, {"detail": expected})


READING = {"loinc": "4548-4", "value": "7.1", "unit": "%", "taken_on": DAY}
WHOLE_AND_PLACES = (
    "{field} must be a number with at most {whole} digits before the decimal point and "
    "{places} after"
)
HEEL_EN_DECIMALEN = (
    "{field} moet een getal zijn met hoogstens {whole} cijfers voor de komma en {places} erna"
)


@pytest.mark.parametrize(
    ("method", "path", "body", "field", "whole", "places"),
    [
        ("post", "readings/", {**READING, "value": "1234567.1"}, "value", 6, 2),
        ("post", "readings/", {**READING, "value": "7.123"}, "value", 6, 2),
        ("put", "targets/4548-4/", {"low": "1234567", "high": "8"}, "low", 6, 2),
        ("put", "targets/4548-4/", {"low": "6", "high": "8.001"}, "high", 6, 2),
        ("post", "conditions/", {"snomed_code": "44054006", "stage": "123.5"}, "stage", 2, 1),
    ],
)
def test_a_number_with_too_many_digits_names_its_field_and_the_rule(
    as_clinician, patient, method, path, body, field, whole, places
):
    """DRF said only "Ensure that there are no more than 6 digits before the decimal point.",
    naming no field, in English whatever the language."""
    url = f"/api/v1/patients/{patient.pk}/{path}"
    send = getattr(as_clinician, method)
    for language, rule in (("en-GB", WHOLE_AND_PLACES), ("nl", HEEL_EN_DECIMALEN)):
        response = send(url, body, format="json", HTTP_ACCEPT_LANGUAGE=language)
        expected = {field: [rule.format(field=field, whole=whole, places=places)]}
        assert (response.status_code, response.json()) == (400, expected)


@pytest.mark.parametrize("value", ["seven", "NaN", "Infinity", ""])
def test_a_reading_that_is_not_a_number_names_its_field(as_clinician, patient, value):
    url = f"/api/v1/patients/{patient.pk}/readings/"
    for language, rule in (
        ("en-GB", "value must be a number"),
        ("nl", "value moet een getal zijn"),
    ):
        response = as_clinician.post(
            url, {**READING, "value": value}, format="json", HTTP_ACCEPT_LANGUAGE=language
        )
        assert (response.status_code, response.json()) == (400, {"value": [rule]})


@pytest.mark.parametrize(
    ("path", "body", "english", "dutch"),
    [
        (
            "ratings/", {"element": "H1", "value": 5, "rater": "proxy"},
            {"rated_on": ["rated_on is required"]},
            {"rated_on": ["rated_on is verplicht"]},
        ),
        (
            "ratings/", {**RATING, "rated_on": None},
            {"rated_on": ["rated_on must have a value, not null"]},
            {"rated_on": ["rated_on moet een waarde hebben, geen null"]},
        ),
        (
            "ratings/", {**RATING, "rated_on": "10/02/2026"},
            {"rated_on": ["rated_on must be a date like 2026-03-31"]},
            {"rated_on": ["rated_on moet een datum zijn zoals 2026-03-31"]},
        ),
        (
            "items/", {"label": "", "domain": "H"},
            {"label": ["label must not be empty"]},
            {"label": ["label mag niet leeg zijn"]},
        ),
        (
            "encounters/", {**ENCOUNTER, "occurred_at": "tomorrow"},
            {"occurred_at": ["occurred_at must be a date and time like 2026-03-31T10:00:00Z"]},
            {"occurred_at": ["occurred_at moet een datum en tijd zijn zoals 2026-03-31T10:00:00Z"]},
        ),
    ],
)  # fmt: skip
def test_a_missing_empty_or_malformed_field_names_itself_in_the_readers_language(
    as_clinician, patient, path, body, english, dutch
):
    """DRF's own words ("This field is required.", "Date has wrong format. Use one of these
    formats instead: YYYY-MM-DD.") named no field; they now say which and what it must be."""
    url = f"/api/v1/patients/{patient.pk}/{path}"
    for language, expected in (("en-GB", english), ("nl", dutch)):
        response = as_clinician.post(url, body, format="json", HTTP_ACCEPT_LANGUAGE=language)
        assert (response.status_code, response.json()) == (400, expected)


def test_a_condition_not_recorded_here_is_refused_with_its_future_onset(as_clinician, patient):
    response = post(
        as_clinician, patient, "conditions/", {"snomed_code": "123", "onset": "2030-01-01"}
    )

    assert response.status_code == 400
    errors = response.json()
    assert "snomed_code 123 is not a condition this service records" in str(errors["snomed_code"])
    assert "onset must not be in the future" in str(errors["onset"])
    assert not patient.conditions.exists()


@pytest.mark.parametrize(
    ("path", "body", "english", "dutch"),
    [
        (
            "/api/v1/patients/", {"display_name": "Ada L.", "birth_year": 1951, "teams": []},
            {"teams": ["teams must have at least 1 item"]},
            {"teams": ["teams moet minstens 1 waarde bevatten"]},
        ),
        (
            "/api/v1/patients/", {"display_name": "Ada L.", "birth_year": 1951, "teams": [0]},
            {"teams": {"0": ["teams[0] must be 1 or more"]}},
            {"teams": {"0": ["teams[0] moet 1 of meer zijn"]}},
        ),
        (
            "/api/v1/patients/", {"display_name": "Ada L.", "birth_year": 1951, "teams": [None]},
            {"teams": {"0": ["teams[0] must have a value, not null"]}},
            {"teams": {"0": ["teams[0] moet een waarde hebben, geen null"]}},
        ),
        (
            "priorities/", {"effective_from": DAY, "points": {}},
            {"points": ["points must not be empty"]},
            {"points": ["points mag niet leeg zijn"]},
        ),
        (
            "priorities/", {"effective_from": DAY, "points": {"H1": 30, "H2": None}},
            {"points": {"H2": ["points.H2 must have a value, not null"]}},
            {"points": {"H2": ["points.H2 moet een waarde hebben, geen null"]}},
        ),
        (
            "ratings/", {**RATING, "encounter": 0},
            {"encounter": ["encounter must be 1 or more"]},
            {"encounter": ["encounter moet 1 of meer zijn"]},
        ),
        (
            "ratings/", {**RATING, "encounter": 2**63},
            {"encounter": ["encounter must be 9223372036854775807 or less"]},
            {"encounter": ["encounter moet 9223372036854775807 of minder zijn"]},
        ),
        (
            "ratings/", {**RATING, "element": "H" * 13},
            {"element": ["element must be at most 12 characters"]},
            {"element": ["element mag hoogstens 12 tekens lang zijn"]},
        ),
        (
            "conditions/", {"snomed_code": "4" * 19, "onset": DAY},
            {"snomed_code": ["snomed_code must be at most 18 characters"]},
            {"snomed_code": ["snomed_code mag hoogstens 18 tekens lang zijn"]},
        ),
        (
            "readings/", {"loinc": "59261-8", "value": 52, "unit": "m" * 21, "taken_on": DAY},
            {"unit": ["unit must be at most 20 characters"]},
            {"unit": ["unit mag hoogstens 20 tekens lang zijn"]},
        ),
        (
            "/api/v1/auth/token/", {},
            {"username": ["username is required"], "password": ["password is required"]},
            {"username": ["username is verplicht"], "password": ["password is verplicht"]},
        ),
        (
            "/api/v1/auth/token/", {"username": "someone", "password": None},
            {"password": ["password must have a value, not null"]},
            {"password": ["password moet een waarde hebben, geen null"]},
        ),
    ],
)  # fmt: skip
def test_drfs_own_rules_name_the_field_and_the_rule_in_the_readers_language(
    as_clinician, patient, path, body, english, dutch
):
    """DRF's default words ("Ensure this field has at least 1 elements.", "This dictionary may
    not be empty.", "This field may not be null." for an item of a list or an object) named no
    field, and some stayed English in Dutch; each now names the field (an item by its place,
    ``teams[0]``, ``points.H2``) and states the rule, in the language asked for."""
    url = path if path.startswith("/") else f"/api/v1/patients/{patient.pk}/{path}"
    for language, expected in (("en-GB", english), ("nl", dutch)):
        response = as_clinician.post(url, body, format="json", HTTP_ACCEPT_LANGUAGE=language)
        assert (response.status_code, response.json()) == (400, expected)


def _inputs() -> list[type]:
    """Every API input serializer: the subclasses of NamedRulesSerializer the routes import."""
    import ssm_outcomes.urls  # noqa: F401 — imports every API module, so every input

    found, todo = [], [NamedRulesSerializer]
    while todo:
        for subclass in todo.pop().__subclasses__():
            found.append(subclass)
            todo.append(subclass)
    return found


def _fields(field, name):
    yield field, name
    if child := getattr(field, "child", None):
        yield from _fields(child, f"{name}[0]")


def test_every_drf_rule_of_every_api_input_field_has_words_naming_the_field():
    unnamed = []
    inputs = _inputs()
    for serializer in inputs:
        for top, field in serializer().fields.items():
            for part, name in _fields(field, top):
                defaults = _drf_defaults(type(part))
                for code, message in part.error_messages.items():
                    if message is defaults.get(code) and _rule_for(part, code) is None:
                        unnamed.append(f"{serializer.__name__}.{name}: {code}")
    assert {cls.__name__ for cls in inputs} >= {"TokenInput", "PriorityInput", "PatientInput"}
    assert unnamed == []


PHQ2 = {"instrument": "PHQ2", "completed_on": DAY, "rater": "proxy"}


@pytest.mark.parametrize(
    ("path", "body", "english", "dutch"),
    [
        (
            "priorities/", {"effective_from": DAY, "points": {"H1": 50, "H2": "50"}},
            {"points": {"H2": ["must be a whole number, not str"]}},
            {"points": {"H2": ["moet een heel getal zijn, geen str"]}},
        ),
        (
            "priorities/", {"effective_from": DAY, "points": {"H1": 1.5}},
            {"points": {"H1": ["must be a whole number, not float"]}},
            {"points": {"H1": ["moet een heel getal zijn, geen float"]}},
        ),
        (
            "priorities/", {"effective_from": DAY, "points": {"H1": True}},
            {"points": {"H1": ["must be a whole number, not bool"]}},
            {"points": {"H1": ["moet een heel getal zijn, geen bool"]}},
        ),
        (
            "responses/", {**PHQ2, "answers": {"1": "1", "2": 1}},
            {"answers": {"1": ["must be a whole number, not str"]}},
            {"answers": {"1": ["moet een heel getal zijn, geen str"]}},
        ),
        (
            "/api/v1/patients/", {"display_name": "Ada L.", "birth_year": 1951, "teams": ["5"]},
            {"teams": {"0": ["must be a whole number, not str"]}},
            {"teams": {"0": ["moet een heel getal zijn, geen str"]}},
        ),
        (
            "encounters/", {**ENCOUNTER, "strategies": ["goal_setting", 3]},
            {"strategies": {"1": ["must be text, not int"]}},
            {"strategies": {"1": ["moet tekst zijn, geen int"]}},
        ),
    ],
)  # fmt: skip
def test_an_item_of_a_list_or_object_of_the_wrong_json_type_is_refused_like_a_field(
    as_clinician, patient, path, body, english, dutch
):
    """Points and answers are whole numbers, team ids too, as a field's value is: "5" was taken
    for 5 inside an object or a list, while a field given "5" was refused."""
    url = path if path.startswith("/") else f"/api/v1/patients/{patient.pk}/{path}"
    for language, expected in (("en-GB", english), ("nl", dutch)):
        response = as_clinician.post(url, body, format="json", HTTP_ACCEPT_LANGUAGE=language)
        assert (response.status_code, response.json()) == (400, expected)
    assert not PrioritySet.objects.exists()
    assert not patient.instrument_responses.exists()


def test_a_skipped_answer_is_still_null_and_numbers_still_whole(as_clinician, patient):
    url = f"/api/v1/patients/{patient.pk}/responses/"
    body = {"instrument": "ONS4", "answers": {"1": 7, "2": None, "3": 6, "4": 2}}
    response = as_clinician.post(url, {**PHQ2, **body}, format="json")
    assert response.status_code == 201
    assert response.json()["answers"] == {"1": 7, "2": None, "3": 6, "4": 2}
