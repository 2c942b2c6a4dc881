"""The services' errors in the reader's language: the API keeps its field names, codes and English
words exactly, and says the rule in Dutch to a Dutch reader; the clinician's forms put the field's
label (in the page's language) where the field is named. No service raises an untranslated text.
"""

import ast
import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from clinic.form_messages import restated
from patients.validation import BETWEEN, IN_THE_FUTURE, between, date_not_in_future, rule, worded
from tests.support.api_tokens import api_key_for

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
SERVICE_MODULES = [
    "patients/services.py",
    "patients/validation.py",
    "patients/invitations.py",
    "patients/reminders.py",
    "assessments/services.py",
    "assessments/encounters.py",
    "assessments/responses.py",
    "accounts/services.py",
]


def api(user, language: str | None = None) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(user)}")
    if language:
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    return client


def tomorrow() -> str:
    return (timezone.localdate() + dt.timedelta(days=1)).isoformat()


def post_both(clinician, path: str, body: dict):
    english = api(clinician).post(path, body, format="json")
    dutch = api(clinician, "nl").post(path, body, format="json")
    assert english.status_code == dutch.status_code == 400
    return english, dutch


def codes(response) -> dict:
    return {field: [e.code for e in errors] for field, errors in response.data.items()}


# --- The API -----------------------------------------------------------------------------------


def test_a_future_rating_in_english_as_documented_and_in_dutch_with_the_same_keys_and_codes(
    clinician, patient
):
    path = f"/api/v1/patients/{patient.pk}/ratings/"
    body = {"element": "H2", "value": 5, "rated_on": tomorrow(), "rater": "proxy"}
    english, dutch = post_both(clinician, path, body)
    assert english.json() == {"rated_on": ["rated_on must not be in the future"]}
    assert dutch.json() == {"rated_on": ["rated_on mag niet in de toekomst liggen"]}
    assert codes(english) == codes(dutch) == {"rated_on": ["date_in_future"]}


def test_an_encounter_from_the_future_in_both_languages(clinician, patient):
    path = f"/api/v1/patients/{patient.pk}/encounters/"
    later = (timezone.now() + dt.timedelta(days=2)).isoformat()
    body = {
        "occurred_at": later,
        "mode": "face_to_face",
        "initiated_by": "patient",
        "duration_minutes": 20,
    }
    english, dutch = post_both(clinician, path, body)
    assert english.json() == {"occurred_at": ["occurred_at must not be in the future"]}
    assert dutch.json() == {"occurred_at": ["occurred_at mag niet in de toekomst liggen"]}
    assert codes(english) == codes(dutch) == {"occurred_at": ["date_in_future"]}


def test_an_instruments_answer_out_of_range_names_the_item_in_both_languages(clinician, patient):
    path = f"/api/v1/patients/{patient.pk}/responses/"
    body = {
        "instrument": "PHQ2",
        "answers": {"1": 4, "2": 1},
        "completed_on": timezone.localdate().isoformat(),
        "rater": "proxy",
    }
    english, dutch = post_both(clinician, path, body)
    assert english.json() == {"answers": ["item 1 of PHQ2: 4 is outside 0–3"]}
    assert dutch.json() == {"answers": ["vraag 1 van PHQ2: 4 valt buiten 0–3"]}
    assert codes(english) == codes(dutch) == {"answers": ["answer_out_of_range"]}


def test_a_reading_in_the_wrong_unit_in_both_languages(clinician, patient):
    path = f"/api/v1/patients/{patient.pk}/readings/"
    body = {"loinc": "59261-8", "value": 52, "unit": "%", "taken_on": "2026-01-05"}
    english, dutch = post_both(clinician, path, body)
    assert english.json()["unit"][0].startswith("unit must be mmol/mol for ")
    assert dutch.json()["unit"][0].startswith("unit moet mmol/mol zijn voor ")
    assert codes(english) == codes(dutch) == {"unit": ["unit_wrong"]}


@pytest.mark.parametrize(
    ("asked", "words", "said_in"),
    [
        (None, "rated_on must not be in the future", "en-gb"),
        ("en-gb", "rated_on must not be in the future", "en-gb"),
        ("nl", "rated_on mag niet in de toekomst liggen", "nl"),
    ],
)
def test_a_token_users_errors_are_in_the_language_asked_for_not_their_own(
    clinician, patient, asked, words, said_in
):
    # The API's words follow Accept-Language (English without one), whatever language the token's
    # user chose for the pages: an integration reading error texts gets the same words for all.
    clinician.language = "nl"
    clinician.save()
    path = f"/api/v1/patients/{patient.pk}/ratings/"
    body = {"element": "H2", "value": 5, "rated_on": "2099-10-05", "rater": "proxy"}

    response = api(clinician, asked).post(path, body, format="json")

    assert response.status_code == 400
    assert response.json() == {"rated_on": [words]}
    assert response["Content-Language"] == said_in


def test_a_token_users_refusal_is_in_the_language_asked_for_not_their_own(patient):
    patient.user.language = "nl"
    patient.user.save()
    path = f"/api/v1/patients/{patient.pk}/readings/"
    body = {"loinc": "59261-8", "value": 52, "unit": "mmol/mol", "taken_on": "2026-01-05"}

    response = api(patient.user).post(path, body, format="json")

    assert response.status_code == 403
    assert response.json() == {"detail": "your role (patient) cannot add readings"}
    assert response["Content-Language"] == "en-gb"


# --- The messages themselves -------------------------------------------------------------------


def test_a_rule_names_its_field_as_a_parameter_and_renders_when_read():
    error = rule("occurred_at", IN_THE_FUTURE, "date_in_future")
    (one,) = error.error_dict["occurred_at"]
    assert one.code == "date_in_future"
    assert one.params == {"field": "occurred_at"}
    assert worded(one) == "occurred_at must not be in the future"
    with translation.override("nl"):
        assert worded(one) == "occurred_at mag niet in de toekomst liggen"
        assert worded(one, "“Wanneer”") == "“Wanneer” mag niet in de toekomst liggen"


def test_a_model_validators_message_is_lazy_and_carries_its_field():
    low, high = between(0, 10)
    with pytest.raises(ValidationError) as caught:
        high(11)
    assert caught.value.params["field"] == "value"
    assert caught.value.messages == ["value must be between 0 and 10"]
    with translation.override("nl"):
        assert caught.value.messages == ["value moet tussen 0 en 10 liggen"]
        assert str(low.message) == "value moet tussen 0 en 10 liggen"
    assert str(low.message) == "value must be between 0 and 10"  # what migrations record


def test_a_date_before_1900_in_both_languages():
    with pytest.raises(ValidationError) as caught:
        date_not_in_future("taken_on", dt.date(1850, 1, 1))
    assert caught.value.message_dict == {"taken_on": ["taken_on must not be before 1900"]}
    with translation.override("nl"):
        assert caught.value.message_dict == {"taken_on": ["taken_on mag niet voor 1900 liggen"]}


# --- The clinician's forms ---------------------------------------------------------------------


def encounter_post(**extra):
    data = {
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "mode": "face_to_face",
        "initiated_by": "service",
        "duration_minutes": "15",
        "target_relevant": "on",
    }
    data.update(extra)
    return data


def test_a_dutch_clinician_sees_the_service_error_in_dutch_with_the_dutch_label(
    client, clinician, patient
):
    clinician.language = "nl"
    clinician.save()
    client.force_login(clinician)
    response = client.post(
        reverse("clinic:encounter-new", args=[patient.pk]),
        encounter_post(context_kind="new_job", context_occurred_on=tomorrow()),
    )
    assert response.status_code == 400
    assert response.context["form"].errors["context_occurred_on"] == [
        "“Wanneer het gebeurde” mag niet in de toekomst liggen."
    ]


def test_an_english_clinician_sees_exactly_todays_message(client, clinician, patient):
    client.force_login(clinician)
    response = client.post(
        reverse("clinic:encounter-new", args=[patient.pk]),
        encounter_post(context_kind="new_job", context_occurred_on=tomorrow()),
    )
    assert response.status_code == 400
    assert response.context["form"].errors["context_occurred_on"] == [
        "“When it happened” must not be in the future."
    ]


def test_restated_puts_the_label_in_the_fields_place_and_keeps_the_english_fallback():
    (one,) = rule("value", BETWEEN, "out_of_range", low=1, high=3).error_dict["value"]
    assert restated(one, "Importance") == "“Importance” must be between 1 and 3."
    with translation.override("nl"):
        assert restated(one, "Belang") == "“Belang” moet tussen 1 en 3 liggen."
    # A message not yet given a field parameter (a model's own check) is still restated.
    plain = ValidationError("low must not be above high")
    assert restated(plain, "Lowest agreed") == "“Lowest agreed” must not be above high."


# --- No untranslated text left -----------------------------------------------------------------


def _bare(node: ast.AST) -> bool:
    """A text given as it is (a literal or an f-string), not through gettext."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _bare(node.left) or _bare(node.right)
    if isinstance(node, ast.Dict):
        return any(_bare(value) for value in node.values)
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return any(_bare(element) for element in node.elts)
    return False  # a call (gettext, rule, another ValidationError) or a name


def bare_messages(source: str) -> list[int]:
    """Lines where a ValidationError (or a rule()) is given a message that is not translated."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        position = {"ValidationError": 0, "PermissionDenied": 0, "rule": 1}.get(name or "")
        if position is not None and len(node.args) > position and _bare(node.args[position]):
            lines.append(node.lineno)
    return lines


def test_the_scan_finds_bare_texts():
    assert bare_messages('raise ValidationError({"x": "x must be"})') == [1]
    assert bare_messages('raise ValidationError({"x": [f"{x} must be"]})') == [1]
    assert bare_messages('raise ValidationError("must be", code="c")') == [1]
    assert bare_messages('raise rule("x", "x must be", "code")') == [1]
    assert bare_messages('raise ValidationError({"x": _("x must be")})') == []
    assert bare_messages('raise rule("x", _("%(field)s must be"), "code")') == []


@pytest.mark.parametrize("module", SERVICE_MODULES)
def test_no_service_raises_an_untranslated_message(module):
    assert bare_messages((ROOT / module).read_text()) == [], module
