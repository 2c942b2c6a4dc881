"""element_for_key and personal_item_create: framework elements and a patient's own items."""

import pytest
from django.core.exceptions import ValidationError

from assessments.models import Element
from assessments.services import element_for_key, personal_item_create
from tests.factories import framework_element

from .helpers import not_an_element

pytestmark = pytest.mark.django_db


# --- element_for_key -----------------------------------------------------------------------


@pytest.mark.parametrize("key", ["H1", "M4", "R4", " H2 "])
def test_a_framework_code_names_the_framework_element(patient, key):
    element = element_for_key(patient=patient, key=key)

    assert element == framework_element(key.strip())
    assert (element.key, element.patient) == (key.strip(), None)


def test_a_p_key_names_this_patients_own_item(patient):
    item = personal_item_create(patient=patient, label="Singing in the choir", domain="H")

    assert element_for_key(patient=patient, key=f"P{item.pk}") == item
    assert element_for_key(patient=patient, key=f" P{item.pk} ") == item


@pytest.mark.parametrize("key", ["X1", "h1", "H", "P", "P12abc", "", "  "])
def test_a_key_that_names_nothing_is_refused_with_the_rule(patient, key):
    with pytest.raises(ValidationError) as error:
        element_for_key(patient=patient, key=key)

    assert error.value.message_dict == {"element": [not_an_element(key.strip())]}


def test_another_patients_item_is_not_found_under_its_key(patient, other_patient):
    theirs = personal_item_create(patient=other_patient, label="Allotment", domain="H")

    with pytest.raises(ValidationError) as error:
        element_for_key(patient=patient, key=theirs.key)

    assert error.value.message_dict == {"element": [not_an_element(theirs.key)]}


def test_a_framework_element_cannot_be_named_by_a_p_key(patient):
    h1 = framework_element("H1")

    with pytest.raises(ValidationError) as error:
        element_for_key(patient=patient, key=f"P{h1.pk}")

    assert error.value.message_dict == {"element": [not_an_element(f"P{h1.pk}")]}


def test_a_retired_framework_element_is_refused(patient):
    Element.objects.filter(code="H5", patient__isnull=True).update(active=False)

    with pytest.raises(ValidationError) as error:
        element_for_key(patient=patient, key="H5")

    assert error.value.message_dict == {"element": [not_an_element("H5")]}


def test_the_error_is_reported_under_the_field_asked_for(patient):
    with pytest.raises(ValidationError) as error:
        element_for_key(patient=patient, key="Z9", field="points")

    assert error.value.message_dict == {"points": [not_an_element("Z9")]}


# --- personal_item_create ------------------------------------------------------------------


def test_a_personal_item_is_saved_in_the_patients_words_under_a_domain(patient):
    item = personal_item_create(patient=patient, label="  Singing in the choir  ", domain="M")

    item.refresh_from_db()
    assert (item.patient, item.label, item.domain_id, item.code, item.active) == (
        patient,
        "Singing in the choir",
        "M",
        "",
        True,
    )
    assert item.key == f"P{item.pk}"
    assert item.is_personal is True
    assert list(Element.objects.filter(patient=patient)) == [item]


@pytest.mark.parametrize("label", ["", "   ", None])
def test_an_item_without_words_is_refused(patient, label):
    with pytest.raises(ValidationError) as error:
        personal_item_create(patient=patient, label=label, domain="H")

    assert error.value.message_dict == {"label": ["label must not be empty"]}
    assert not Element.objects.filter(patient=patient).exists()


@pytest.mark.parametrize("domain", ["X", "h", "", "HM"])
def test_an_item_outside_the_three_domains_is_refused(patient, domain):
    with pytest.raises(ValidationError) as error:
        personal_item_create(patient=patient, label="Choir", domain=domain)

    assert error.value.message_dict == {"domain": ["domain must be H, M or R"]}
    assert not Element.objects.filter(patient=patient).exists()


@pytest.mark.parametrize(
    "again", ["Singing in the choir", "SINGING IN THE CHOIR", " singing in the choir "]
)
def test_the_same_words_twice_for_one_patient_are_refused(patient, again):
    personal_item_create(patient=patient, label="Singing in the choir", domain="H")

    with pytest.raises(ValidationError) as error:
        personal_item_create(patient=patient, label=again, domain="M")

    assert error.value.message_dict == {
        "label": ["this patient already has an item with these words"]
    }
    assert Element.objects.filter(patient=patient).count() == 1


def test_two_patients_may_have_items_with_the_same_words(patient, other_patient):
    mine = personal_item_create(patient=patient, label="Choir", domain="H")
    theirs = personal_item_create(patient=other_patient, label="Choir", domain="H")

    assert mine.pk != theirs.pk
    assert (mine.patient, theirs.patient) == (patient, other_patient)


def test_a_label_longer_than_200_characters_is_refused_saying_how_long_it_is(patient):
    personal_item_create(patient=patient, label="x" * 200, domain="H")

    with pytest.raises(ValidationError) as error:
        personal_item_create(patient=patient, label="y" * 201, domain="H")

    assert error.value.message_dict == {
        "label": ["label must be at most 200 characters (it has 201)"]
    }
    assert Element.objects.filter(patient=patient).count() == 1
