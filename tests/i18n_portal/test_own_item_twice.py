"""An item the patient already has, typed again in other capitals, is refused in the patient's
own words in every language, with every other problem of the form at once."""

import pytest
from django.urls import reverse

from assessments.models import Element
from tests.factories import PersonalItemFactory

from .conftest import speaks_dutch

pytestmark = pytest.mark.django_db

ALREADY = {
    "en-gb": "This is already in your list.",
    "nl": "Dit staat al in je lijst.",
    "nl-be": "Dit staat al in je lijst.",
}
NO_DOMAIN = {
    "en-gb": "Choose the part of your life it is about.",
    "nl": "Kies over welk deel van je leven het gaat.",
    "nl-be": "Kies over welk deel van je leven het gaat.",
}


@pytest.fixture
def signed_in_as(client, dutch_settings, patient):
    def signed_in(language: str):
        if language != "en-gb":
            speaks_dutch(patient.user, language)
        client.force_login(patient.user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
        return client

    return signed_in


@pytest.mark.parametrize("language", ["en-gb", "nl", "nl-be"])
def test_an_item_already_in_the_list_is_said_so_in_the_patients_words(
    signed_in_as, patient, language
):
    PersonalItemFactory(patient=patient, label="Gardening")

    response = signed_in_as(language).post(
        reverse("portal:item-add"), {"label": "gardening", "domain": "H"}
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {"label": [ALREADY[language]]}
    assert list(Element.objects.filter(patient=patient).values_list("label", flat=True)) == [
        "Gardening"
    ]


@pytest.mark.parametrize("language", ["en-gb", "nl", "nl-be"])
def test_an_item_already_in_the_list_is_said_with_the_part_of_life_missing(
    signed_in_as, patient, language
):
    PersonalItemFactory(patient=patient, label="Gardening")

    response = signed_in_as(language).post(reverse("portal:item-add"), {"label": "GARDENING "})

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "label": [ALREADY[language]],
        "domain": [NO_DOMAIN[language]],
    }
    assert 'value="GARDENING "' in response.content.decode()
    assert Element.objects.filter(patient=patient).count() == 1
