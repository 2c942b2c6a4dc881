"""Questionnaires from the care team on the patient portal: listed on the home page when due,
answered one question a screen with each answer saved as it is given, a calm thank-you that says
where to get help now after a positive PHQ-2 or GAD-2, and the results in plain words on *My
progress*. Only the questionnaires the patient's teams offer; staff are refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from assessments.instrument_selectors import DEFAULT_HELP_NOW, quarter_start
from assessments.instruments import INSTRUMENTS
from assessments.models import InstrumentResponse
from assessments.responses import response_record, team_instrument_offer
from tests.factories import AppointmentFactory
from tests.support.two_step import sign_in_with_code

pytestmark = pytest.mark.django_db

PHQ2_LINK = "A few short questions from your care team: Patient Health Questionnaire-2 (PHQ-2)"
TEAM_HELP = "Ring the Riverside duty nurse on 01632 960 123, 8am to 6pm."


@pytest.fixture
def me(client, patient):
    client.force_login(patient.user)
    return client


@pytest.fixture
def phq2(team):
    return team_instrument_offer(team=team, instrument="PHQ2", schedule="quarterly")


def today() -> dt.date:
    return timezone.localdate()


def url(code: str, q: str | None = None) -> str:
    base = reverse("portal:questionnaire", args=[code])
    return f"{base}?q={q}" if q else base


def done_url(code: str) -> str:
    return reverse("portal:questionnaire-done", args=[code])


def html(response) -> str:
    return response.content.decode()


def answer(client, code: str, q: str, value: int | str | None, action: str = "next"):
    data = {"action": action}
    if value is not None:
        data["value"] = str(value)
    return client.post(url(code, q), data)


def answer_all(client, code: str, values: dict[str, int]):
    response = None
    for q, value in values.items():
        response = answer(client, code, q, value)
    return response


def recorded(patient, code: str = "PHQ2", day: dt.date | None = None, **answers):
    return response_record(
        patient=patient,
        instrument=code,
        answers=answers,
        completed_on=day or today(),
        rater="patient",
        entered_by=patient.user,
    )


# --- Due on the home page ------------------------------------------------------------------------


def test_a_quarterly_questionnaire_due_is_a_big_link_on_home_with_how_long_it_takes(me, phq2):
    page = html(me.get(reverse("portal:home")))

    assert f'href="{url("PHQ2")}"' in page
    assert escape(PHQ2_LINK) in page
    assert "It takes about 1 minute." in page


def test_a_questionnaire_asked_before_appointments_is_due_in_the_fortnight_before_one(
    me, team, patient, clinician
):
    team_instrument_offer(team=team, instrument="ONS4", schedule="before_appointment")
    assert url("ONS4") not in html(me.get(reverse("portal:home")))  # no appointment booked

    AppointmentFactory(
        patient=patient, clinician=clinician, starts_at=timezone.now() + dt.timedelta(days=5)
    )

    page = html(me.get(reverse("portal:home")))
    assert f'href="{url("ONS4")}"' in page
    assert "ONS personal well-being (ONS4)" in page


def test_nothing_is_listed_when_no_questionnaire_is_due(me, patient, phq2):
    recorded(patient, **{"1": 0, "2": 1})

    page = html(me.get(reverse("portal:home")))

    assert "Questions from your care team" not in page
    assert url("PHQ2") not in page


def test_answering_it_on_the_portal_takes_it_off_home(me, phq2):
    answer_all(me, "PHQ2", {"1": 0, "2": 0})

    assert url("PHQ2") not in html(me.get(reverse("portal:home")))


def test_an_answer_from_last_quarter_leaves_it_due_this_quarter(me, patient, phq2):
    recorded(patient, day=quarter_start(today()) - dt.timedelta(days=1), **{"1": 0, "2": 0})

    assert url("PHQ2") in html(me.get(reverse("portal:home")))


def test_a_licensed_questionnaire_without_its_words_is_not_listed_on_home(me, team):
    team_instrument_offer(team=team, instrument="EQ5D5L", schedule="quarterly")

    assert url("EQ5D5L") not in html(me.get(reverse("portal:home")))


# --- The walk-through ----------------------------------------------------------------------------


def test_the_first_question_shows_the_instructions_the_question_and_the_published_answers(me, phq2):
    page = html(me.get(url("PHQ2")))

    assert "question 1 of 2" in page
    assert escape(INSTRUMENTS["PHQ2"].instructions) in page
    assert "Little interest or pleasure in doing things" in page
    for label in ("Not at all", "Several days", "More than half the days", "Nearly every day"):
        assert f"> {label}</label>" in page
    assert page.count('type="radio" name="value"') == 4
    assert "Skip this question" in page
    assert f'href="{reverse("portal:home")}"' in page  # Back, from the first question


def test_a_number_scale_shows_the_numbers_with_the_published_words_at_both_ends(me, team):
    team_instrument_offer(team=team, instrument="ONS4", schedule="quarterly")

    page = html(me.get(url("ONS4")))

    assert page.count('type="radio" name="value"') == 11
    assert '<span class="scale-number">5</span>' in page
    assert "0: Not at all satisfied" in page
    assert "10: Completely satisfied" in page


def test_each_answer_is_saved_as_it_is_given_and_the_next_question_follows(me, patient, phq2):
    response = answer(me, "PHQ2", "1", 2)

    assert response.status_code == 302
    assert response["Location"] == url("PHQ2", "2")
    saved = InstrumentResponse.objects.get(patient=patient)
    assert saved.answers == {"1": 2, "2": None}
    assert (saved.rater, saved.entered_by, saved.completed_on) == ("patient", patient.user, today())

    page = html(me.get(response["Location"]))
    assert "Feeling down, depressed, or hopeless" in page
    assert f'href="{url("PHQ2", "1")}"' in page  # Back to the first question

    response = answer(me, "PHQ2", "2", 1)

    assert response["Location"] == done_url("PHQ2")
    saved = InstrumentResponse.objects.get(patient=patient)  # the same response, completed
    assert saved.answers == {"1": 2, "2": 1}
    assert saved.scores == {"score": 3, "positive": True}


def test_leaving_halfway_keeps_the_answer_and_coming_back_starts_at_the_next_question(
    me, patient, phq2
):
    answer(me, "PHQ2", "1", 3)

    page = html(me.get(url("PHQ2")))

    assert "question 2 of 2" in page
    assert InstrumentResponse.objects.get(patient=patient).answers == {"1": 3, "2": None}


def test_going_back_shows_the_answer_given_and_changing_it_updates_the_same_response(
    me, patient, phq2
):
    answer_all(me, "PHQ2", {"1": 1, "2": 1})

    page = html(me.get(url("PHQ2", "1")))
    assert 'value="1" id="id_value_1" checked' in page

    answer(me, "PHQ2", "1", 0)
    assert InstrumentResponse.objects.get(patient=patient).answers == {"1": 0, "2": 1}


def test_skipping_a_question_stores_it_as_not_answered(me, patient, phq2):
    answer(me, "PHQ2", "1", 1)

    response = answer(me, "PHQ2", "2", None, action="skip")

    assert response["Location"] == done_url("PHQ2")
    saved = InstrumentResponse.objects.get(patient=patient)
    assert saved.answers == {"1": 1, "2": None}
    assert saved.scores == {"score": None, "positive": None}


def test_skipping_a_first_question_saves_nothing_yet_and_moves_on(me, patient, phq2):
    response = answer(me, "PHQ2", "1", None, action="skip")

    assert response["Location"] == url("PHQ2", "2")
    assert not InstrumentResponse.objects.exists()

    answer(me, "PHQ2", "2", 2)
    assert InstrumentResponse.objects.get(patient=patient).answers == {"1": None, "2": 2}


@pytest.mark.parametrize("value", ["4", "-1", "two", "1.5"])
def test_an_answer_not_among_the_options_is_refused_clearly_and_nothing_is_saved(me, phq2, value):
    response = answer(me, "PHQ2", "1", value)

    assert response.status_code == 400
    assert "Choose one of the answers, or press Skip this question." in html(response)
    assert 'aria-invalid="true"' in html(response)
    assert not InstrumentResponse.objects.exists()


def test_saving_without_an_answer_asks_for_one_or_a_skip(me, phq2):
    response = answer(me, "PHQ2", "1", None)

    assert response.status_code == 400
    assert "Choose one of the answers, or press Skip this question." in html(response)
    assert not InstrumentResponse.objects.exists()


def test_a_number_outside_a_scale_names_the_scale(me, team):
    team_instrument_offer(team=team, instrument="ONS4", schedule="quarterly")

    response = answer(me, "ONS4", "1", 11)

    assert response.status_code == 400
    assert "Choose a number from 0 to 10, or press Skip this question." in html(response)
    assert not InstrumentResponse.objects.exists()


def test_a_question_the_questionnaire_does_not_have_is_not_found(me, phq2):
    assert me.get(url("PHQ2", "3")).status_code == 404
    assert answer(me, "PHQ2", "3", 1).status_code == 404
    assert not InstrumentResponse.objects.exists()


@pytest.mark.parametrize("code", ["GAD2", "NOPE", "phq2"])
def test_a_questionnaire_the_teams_do_not_offer_is_not_found(me, other_team, phq2, code):
    team_instrument_offer(team=other_team, instrument="GAD2", schedule="quarterly")

    assert me.get(url(code)).status_code == 404
    assert answer(me, code, "1", 1).status_code == 404
    assert me.get(done_url(code)).status_code == 404
    assert not InstrumentResponse.objects.exists()


@pytest.mark.parametrize("who", ["clinician", "manager"])
def test_staff_are_refused_the_questionnaire_pages(client, request, phq2, who):
    sign_in_with_code(client, request.getfixturevalue(who))

    assert client.get(url("PHQ2")).status_code == 403
    assert client.post(url("PHQ2", "1"), {"action": "next", "value": "1"}).status_code == 403
    assert client.get(done_url("PHQ2")).status_code == 403
    assert not InstrumentResponse.objects.exists()


def test_a_visitor_is_sent_to_sign_in(client, phq2):
    response = client.get(url("PHQ2"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_licence_notice_is_at_the_foot_of_every_questionnaire_page(me, phq2):
    notice = escape(INSTRUMENTS["PHQ2"].licence.notice)
    first = html(me.get(url("PHQ2")))
    refused = html(answer(me, "PHQ2", "1", 9))
    answer_all(me, "PHQ2", {"1": 0, "2": 0})
    thanks = html(me.get(done_url("PHQ2")))

    for page in (first, refused, thanks):
        assert notice in page
        assert page.index(notice) > page.index("</h1>")


def test_the_licence_notice_is_marked_english_on_a_dutch_page_only(me, patient, phq2):
    notice = escape(INSTRUMENTS["PHQ2"].licence.notice)
    english = html(me.get(url("PHQ2")))
    patient.user.language = "nl"
    patient.user.save()

    dutch = html(me.get(url("PHQ2")))

    assert f'<p lang="en-GB">{notice}</p>' in dutch
    assert f"<p>{notice}</p>" in english


def test_a_questionnaires_english_name_is_marked_english_on_dutch_pages(me, patient, phq2):
    name = escape(INSTRUMENTS["PHQ2"].name)
    english = html(me.get(reverse("portal:home"))) + html(me.get(url("PHQ2")))
    patient.user.language = "nl"
    patient.user.save()

    home = html(me.get(reverse("portal:home")))
    question = html(me.get(url("PHQ2")))

    marked = f'<span lang="en-GB">{name}</span>'
    assert f"Een paar korte vragen van je zorgteam: {marked}" in home
    assert f"{marked}: vraag 1 van 2" in question
    assert name in english
    assert marked not in english


def test_a_licensed_questionnaire_without_its_words_says_so_plainly_with_no_form(me, team):
    team_instrument_offer(team=team, instrument="SWEMWBS", schedule="quarterly")

    response = me.get(url("SWEMWBS"))

    page = html(response)
    assert response.status_code == 200
    assert "These questions are not available here yet." in page
    assert "<form" not in page.split('<div class="portal">')[1]
    assert escape(INSTRUMENTS["SWEMWBS"].licence.notice) in page
    assert answer(me, "SWEMWBS", "1", 3).status_code == 400
    assert not InstrumentResponse.objects.exists()


# --- Thank you -----------------------------------------------------------------------------------


def test_finishing_shows_the_thank_you(me, phq2):
    response = me.get(answer_all(me, "PHQ2", {"1": 0, "2": 1})["Location"])

    page = html(response)
    assert response.status_code == 200
    assert "<h1>Thank you</h1>" in page
    assert "Your answers are saved." in page


def test_a_positive_phq2_shows_the_teams_help_text_calmly_and_no_score(me, team, phq2):
    team.help_now = TEAM_HELP
    team.save()

    page = html(me.get(answer_all(me, "PHQ2", {"1": 2, "2": 2})["Location"]))

    assert TEAM_HELP in page
    assert "If you need help now:" in page
    assert DEFAULT_HELP_NOW not in page
    for word in ("4", "score", "positive", "depress", "diagnos", "urgent", "!"):
        assert word not in page.split("<h1>Thank you</h1>")[1].split('class="licence-notice"')[0]


def test_a_positive_gad2_without_team_words_shows_the_default_help_text(me, team):
    team_instrument_offer(team=team, instrument="GAD2", schedule="quarterly")

    page = html(me.get(answer_all(me, "GAD2", {"1": 3, "2": 1})["Location"]))

    assert escape(DEFAULT_HELP_NOW) in page


def test_a_negative_phq2_shows_no_help_text(me, team, phq2):
    team.help_now = TEAM_HELP
    team.save()

    page = html(me.get(answer_all(me, "PHQ2", {"1": 1, "2": 1})["Location"]))

    assert "Thank you" in page
    assert TEAM_HELP not in page
    assert escape(DEFAULT_HELP_NOW) not in page
    assert "If you need help now" not in page


def test_only_todays_own_answers_decide_the_help_text_not_an_older_positive(me, patient, phq2):
    recorded(patient, day=today() - dt.timedelta(days=200), **{"1": 3, "2": 3})

    page = html(me.get(answer_all(me, "PHQ2", {"1": 0, "2": 0})["Location"]))

    assert escape(DEFAULT_HELP_NOW) not in page


# --- Another patient's answers -------------------------------------------------------------------


def test_another_patients_answers_never_show_or_change(me, patient, other_patient, team, phq2):
    other_patient.teams.add(team)
    theirs = recorded(other_patient, **{"1": 3, "2": 3})

    page = html(me.get(url("PHQ2")))
    assert "checked" not in page
    assert "question 1 of 2" in page
    answer(me, "PHQ2", "1", 0)
    assert escape(DEFAULT_HELP_NOW) not in html(me.get(done_url("PHQ2")))
    progress = html(me.get(reverse("portal:progress")))

    theirs.refresh_from_db()
    assert theirs.answers == {"1": 3, "2": 3}
    assert InstrumentResponse.objects.get(patient=patient).answers == {"1": 0, "2": None}
    assert "Low mood and little interest: 6" not in progress


# --- My progress ---------------------------------------------------------------------------------


def test_progress_shows_each_questionnaire_over_time_with_bands_in_words(me, patient, team):
    team_instrument_offer(team=team, instrument="ONS4", schedule="quarterly")
    recorded(patient, "ONS4", today() - dt.timedelta(days=100), **{"1": 4, "2": 6, "3": 5, "4": 7})
    recorded(patient, "ONS4", **{"1": 7, "2": 9, "3": None, "4": 1})

    page = html(me.get(reverse("portal:progress")))

    assert "ONS personal well-being (ONS4)" in page
    assert 'id="chart-ons4"' in page
    assert "Life satisfaction: 7 out of 10 (high)" in page
    assert "Feeling that what you do is worthwhile: 9 out of 10 (very high)" in page
    assert "Anxiety: 1 out of 10 (very low)" in page
    assert "Life satisfaction: 4 out of 10 (low)" in page
    assert "Anxiety: 7 out of 10 (high)" in page
    assert page.index("Life satisfaction: 7") < page.index("Life satisfaction: 4")  # newest first
    assert "Happiness: 5 out of 10 (medium)" in page
    assert "A lower number is better for anxiety." in page


def test_progress_writes_screens_in_plain_words_without_clinical_labels(me, patient, phq2):
    recorded(patient, **{"1": 2, "2": 2})
    recorded(patient, "PHQ2", today() - dt.timedelta(days=120), **{"1": 1, "2": None})

    page = html(me.get(reverse("portal:progress")))

    assert "Low mood and little interest: 4 out of 6" in page
    assert "Not enough answers for a result." in page
    assert "A lower number is better." in page
    for word in ("positive", "screen", "depression", "diagnos"):
        assert word not in page.lower()


def test_progress_without_questionnaires_has_no_questionnaire_section(me, phq2):
    assert "Questions from your care team" not in html(me.get(reverse("portal:progress")))
