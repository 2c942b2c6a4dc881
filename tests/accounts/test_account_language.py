"""Staff choose the language of their pages and emails on their account page."""

import pytest
from django.urls import reverse

from tests.i18n.test_languages import html_lang


@pytest.mark.django_db
def test_the_account_page_offers_each_language_checked_as_chosen(client, clinician):
    clinician.language = "nl"
    clinician.save(update_fields=["language"])
    client.force_login(clinician)

    response = client.get(reverse("account"))
    content = response.content.decode()

    assert '<h2 id="language-heading">Taal</h2>' in content
    for code in ("", "en-gb", "nl-be"):
        assert f'name="language" value="{code}"' in content
    assert 'name="language" value="nl"' in content
    assert content.count("checked") == 1
    assert '<input type="radio" name="language" value="nl" id="id_language_2" checked>' in content
    assert "De taal van je browser" in content
    assert '<span lang="nl-be">Nederlands (België)</span></label>' in content


@pytest.mark.django_db
def test_a_staff_member_chooses_dutch_and_the_next_page_is_dutch(client, clinician):
    client.force_login(clinician)

    response = client.post(
        reverse("account"), {"language": "nl"}, headers={"accept-language": "en-GB"}, follow=True
    )

    clinician.refresh_from_db()
    assert clinician.language == "nl"
    assert response.redirect_chain == [(reverse("account"), 302)]
    assert html_lang(response) == "nl"
    assert b"Je taal is opgeslagen." in response.content


@pytest.mark.django_db
def test_choosing_the_browsers_language_clears_the_choice(client, clinician):
    clinician.language = "nl"
    clinician.save(update_fields=["language"])
    client.force_login(clinician)

    response = client.post(
        reverse("account"), {"language": ""}, headers={"accept-language": "en-GB"}, follow=True
    )

    clinician.refresh_from_db()
    assert clinician.language == ""
    assert html_lang(response) == "en-gb"
    assert b"Your language is saved." in response.content


@pytest.mark.django_db
def test_a_language_not_offered_is_refused_next_to_the_field(client, manager):
    client.force_login(manager)

    response = client.post(reverse("account"), {"language": "fr"})

    assert response.status_code == 200
    assert "Choose one of the options for “Language”." in response.content.decode()
    manager.refresh_from_db()
    assert manager.language == ""


@pytest.mark.django_db
def test_patients_choose_their_language_in_my_settings_not_here(client, patient):
    client.force_login(patient.user)

    response = client.post(reverse("account"), {"language": "nl"})

    assert response.status_code == 403
    patient.user.refresh_from_db()
    assert patient.user.language == ""
