"""Validated instruments on the clinician's pages: asked in an encounter on the patient's behalf
(saved as proxy, all or nothing), each over time on the record with its licence notice, a
recent positive screen flagged on the record and the caseload, and the team's questionnaires
set in the admin."""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.encounters import encounter_log
from assessments.instruments import INSTRUMENTS
from assessments.models import InstrumentResponse, Rating, TeamInstrument
from assessments.responses import response_record, team_instrument_offer
from clinic.forms import EncounterLogForm
from clinic.instrument_words import screen_flag
from patients.models import Encounter
from tests.factories import PatientFactory
from tests.support.encounters import encounter_post
from tests.support.two_step import sign_in_with_code

pytestmark = pytest.mark.django_db
PFIZER = INSTRUMENTS["PHQ2"].licence.notice


@pytest.fixture
def offers_phq2(team):
    return team_instrument_offer(team=team, instrument="PHQ2", schedule="quarterly")


def answered(patient, code, answers, days_ago, rater="patient", by=None):
    return response_record(
        patient=patient,
        instrument=code,
        answers=answers,
        completed_on=timezone.localdate() - dt.timedelta(days=days_ago),
        rater=rater,
        entered_by=by or patient.user,
    )


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- The encounter form ----------------------------------------------------------------------


def test_the_encounter_form_asks_each_offered_instrument_as_radio_groups(
    signed_in, patient, offers_phq2
):
    html = signed_in.get(reverse("clinic:encounter-new", args=[patient.pk])).content.decode()

    assert (
        "<summary>Patient Health Questionnaire-2 (PHQ-2): the patient’s answers</summary>" in html
    )
    legends = re.findall(r"<legend[^>]*>(.*?)</legend>", html, re.S)
    assert [text_of(legend).strip() for legend in legends if "PHQ-2" in legend] == [
        "PHQ-2 question 1: Little interest or pleasure in doing things:",
        "PHQ-2 question 2: Feeling down, depressed, or hopeless:",
    ]
    radios = re.findall(r'<input type="radio" name="instrument_PHQ2_1" value="([^"]*)"', html)
    assert radios == ["", "0", "1", "2", "3"]
    assert "1 (Several days)" in html
    assert PFIZER in html
    # Not offered by the team: no section.
    assert "Generalized Anxiety Disorder" not in html
    assert "ONS personal well-being" not in html


def test_no_questionnaire_section_when_the_team_offers_none(signed_in, patient):
    html = signed_in.get(reverse("clinic:encounter-new", args=[patient.pk])).content.decode()
    assert "instrument_" not in html
    assert PFIZER not in html


def test_an_instrument_without_wording_here_is_not_asked(signed_in, patient, team, offers_phq2):
    team_instrument_offer(team=team, instrument="EQ5D5L", schedule="quarterly")
    html = signed_in.get(reverse("clinic:encounter-new", args=[patient.pk])).content.decode()
    assert "instrument_PHQ2_1" in html
    assert "EQ-5D-5L" not in html


def test_answers_are_saved_as_proxy_with_the_encounter_and_scored(
    signed_in, patient, clinician, offers_phq2
):
    response = signed_in.post(
        reverse("clinic:encounter-new", args=[patient.pk]),
        encounter_post(instrument_PHQ2_1="2", instrument_PHQ2_2="2"),
    )

    assert response.status_code == 302, response.context["form"].errors
    encounter = Encounter.objects.get(patient=patient)
    saved = InstrumentResponse.objects.get(patient=patient)
    assert saved.instrument == "PHQ2"
    assert saved.answers == {"1": 2, "2": 2}
    assert saved.scores == {"score": 4, "positive": True}
    assert (saved.rater, saved.entered_by, saved.encounter) == ("proxy", clinician, encounter)
    assert saved.completed_on == timezone.localtime(encounter.occurred_at).date()


def test_questions_not_asked_are_not_sent(signed_in, patient, offers_phq2):
    response = signed_in.post(
        reverse("clinic:encounter-new", args=[patient.pk]),
        encounter_post(instrument_PHQ2_1="", instrument_PHQ2_2="1"),
    )
    assert response.status_code == 302
    saved = InstrumentResponse.objects.get()
    assert saved.answers == {"1": None, "2": 1}
    assert saved.scores == {"score": None, "positive": None}


def test_nothing_asked_saves_no_response(signed_in, patient, offers_phq2):
    response = signed_in.post(reverse("clinic:encounter-new", args=[patient.pk]), encounter_post())
    assert response.status_code == 302
    assert Encounter.objects.filter(patient=patient).exists()
    assert not InstrumentResponse.objects.exists()


def test_a_bad_answer_is_reported_with_the_other_problems_and_nothing_is_saved(
    signed_in, patient, offers_phq2
):
    response = signed_in.post(
        reverse("clinic:encounter-new", args=[patient.pk]),
        encounter_post(duration_minutes="0", instrument_PHQ2_1="7", instrument_PHQ2_2="1"),
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["duration_minutes"] == ["“Duration (minutes)” must be from 1 to 480."]
    assert errors["instrument_PHQ2_1"] == [
        "Choose one of the options for “PHQ-2 question 1: Little interest or pleasure in "
        "doing things”."
    ]
    html = response.content.decode()
    assert "please fix 2 things" in html
    assert 'href="#id_instrument_PHQ2_1_0"' in html or 'href="#id_instrument_PHQ2_1"' in html
    assert re.search(r'name="instrument_PHQ2_2" value="1"[^>]*checked', html)
    assert not Encounter.objects.exists()
    assert not InstrumentResponse.objects.exists()


def test_the_service_refuses_every_part_together_and_saves_nothing(patient, clinician):
    with pytest.raises(ValidationError) as refused:
        encounter_log(
            patient=patient,
            clinician=clinician,
            encounter={
                "occurred_at": timezone.now(),
                "mode": "phone",
                "initiated_by": "service",
                "duration_minutes": 10,
            },
            ratings=[{"field": "proxy_H1", "element": "H1", "value": 11, "rater": "proxy"}],
            responses=[{"field": "instrument_PHQ2", "instrument": "PHQ2", "answers": {"1": 9}}],
        )

    problems = refused.value.message_dict
    assert set(problems) == {"proxy_H1", "instrument_PHQ2"}
    assert problems["instrument_PHQ2"] == ["item 1 of PHQ2: 9 is outside 0–3"]
    assert not Encounter.objects.exists()
    assert not Rating.objects.exists()
    assert not InstrumentResponse.objects.exists()


def test_a_responses_problem_is_shown_at_its_first_question(patient):
    form = EncounterLogForm(
        encounter_post(), elements=[], goals=[], instruments=[INSTRUMENTS["PHQ2"]]
    )
    form.is_valid()
    form.add_service_errors(
        ValidationError({"instrument_PHQ2": ["item 1 of PHQ2: 9 is outside 0–3"]})
    )
    assert form.errors["instrument_PHQ2_1"] == ["Item 1 of PHQ2: 9 is outside 0–3."]
    assert "instrument_PHQ2" not in form.errors


def test_a_clinician_of_another_team_cannot_open_the_form(client, other_clinician, patient):
    client.force_login(other_clinician)
    assert client.get(reverse("clinic:encounter-new", args=[patient.pk])).status_code == 404


# --- The record --------------------------------------------------------------------------------


def test_the_record_shows_each_instrument_over_time_with_who_answered_and_its_notice(
    signed_in, patient, clinician
):
    answered(patient, "PHQ2", {"1": 0, "2": 1}, days_ago=200)
    answered(patient, "PHQ2", {"1": 2, "2": 2}, days_ago=10, rater="proxy", by=clinician)
    answered(patient, "ONS4", {"1": 8, "2": 7, "3": 5, "4": 2}, days_ago=10)

    html = signed_in.get(reverse("clinic:patient", args=[patient.pk])).content.decode()

    assert 'id="instrument-PHQ2"' in html  # the chart
    assert 'id="instrument-ONS4"' in html
    table = html[html.index("PHQ-2: each time it was answered") :]
    rows = [text_of(row).strip() for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:3]]
    older = timezone.localdate() - dt.timedelta(days=200)
    recent = timezone.localdate() - dt.timedelta(days=10)
    assert rows == [
        f"{older.day} {older:%b %Y} 1 Negative The patient",
        f"{recent.day} {recent:%b %Y} 4 Positive: consider a fuller assessment "
        "Entered on their behalf (proxy)",
    ]
    assert "Life satisfaction high; worthwhile high; happiness medium; anxiety low" in html
    assert PFIZER in html
    assert INSTRUMENTS["ONS4"].licence.notice in html


def test_a_recent_positive_screen_flags_the_record(signed_in, patient):
    answered(patient, "PHQ2", {"1": 2, "2": 2}, days_ago=5)

    html = signed_in.get(reverse("clinic:patient", args=[patient.pk])).content.decode()

    day = timezone.localdate() - dt.timedelta(days=5)
    flag = f"PHQ-2 of {day.day} {day:%b %Y} was positive (score 4): consider a fuller assessment."
    assert "Safety flag:" in html
    assert flag in html
    assert html.index(flag) < html.index("What matters to them")  # at the top


def test_two_positive_screens_are_both_flagged(signed_in, patient):
    answered(patient, "PHQ2", {"1": 3, "2": 3}, days_ago=5)
    answered(patient, "GAD2", {"1": 2, "2": 1}, days_ago=1)
    html = signed_in.get(reverse("clinic:patient", args=[patient.pk])).content.decode()
    flags = re.findall(r"<li>((?:PHQ|GAD)-2 of [^<]*)</li>", html)
    assert [flag.split(" of ")[0] for flag in flags] == ["PHQ-2", "GAD-2"]
    assert "was positive (score 6)" in flags[0]
    assert "was positive (score 3)" in flags[1]


def test_the_flag_is_worded_as_agreed():
    assert screen_flag("PHQ2", dt.date(2026, 10, 12), {"score": 4, "positive": True}) == (
        "PHQ-2 of 12 Oct 2026 was positive (score 4): consider a fuller assessment."
    )


@pytest.mark.parametrize(
    ("answers", "days_ago"),
    [({"1": 1, "2": 1}, 5), ({"1": 3, "2": 3}, 120)],
    ids=["negative-recent", "positive-old"],
)
def test_no_flag_for_a_negative_or_an_old_screen(signed_in, patient, answers, days_ago):
    answered(patient, "PHQ2", answers, days_ago=days_ago)
    html = signed_in.get(reverse("clinic:patient", args=[patient.pk])).content.decode()
    assert "Safety flag" not in html
    assert "was positive" not in html
    assert 'id="instrument-PHQ2"' in html  # still shown over time


def test_a_later_negative_screen_clears_the_flag(signed_in, patient):
    answered(patient, "GAD2", {"1": 3, "2": 3}, days_ago=20)
    answered(patient, "GAD2", {"1": 0, "2": 1}, days_ago=2)
    html = signed_in.get(reverse("clinic:patient", args=[patient.pk])).content.decode()
    assert "Safety flag" not in html


def test_no_questionnaire_section_on_a_record_without_responses(signed_in, patient):
    html = signed_in.get(reverse("clinic:patient", args=[patient.pk])).content.decode()
    assert "Questionnaires over time" not in html


# --- The caseload ------------------------------------------------------------------------------

FLAG = "Positive screen: consider a fuller assessment"


def caseload_rows(client) -> dict[str, str]:
    html = client.get(reverse("clinic:caseload")).content.decode()
    rows = re.findall(r"<tr>(.*?)</tr>", html[html.index("<tbody>") :], re.S)
    return {text_of(row).split(" born ")[0].strip(): row for row in rows}


def test_the_caseload_flags_patients_with_a_recent_positive_screen(signed_in, team, patient):
    answered(patient, "PHQ2", {"1": 2, "2": 2}, days_ago=3)
    calm = PatientFactory(display_name="Calm C.", teams=[team])
    response_record(
        patient=calm,
        instrument="GAD2",
        answers={"1": 0, "2": 0},
        completed_on=timezone.localdate(),
        rater="proxy",
    )
    PatientFactory(display_name="Never N.", teams=[team])

    rows = caseload_rows(signed_in)

    assert FLAG in rows["Pat P."]
    assert FLAG not in rows["Calm C."]
    assert FLAG not in rows["Never N."]


def test_the_caseload_flags_without_a_query_per_patient(signed_in, team):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert signed_in.get(reverse("clinic:caseload")).status_code == 200
        return len(captured)

    first = PatientFactory(display_name="First F.", teams=[team])
    answered_by_proxy(first)
    few = queries()
    for n in range(4):
        answered_by_proxy(PatientFactory(display_name=f"More {n}.", teams=[team]))
    assert queries() == few
    assert caseload_rows(signed_in)["More 3."].count(FLAG) == 1


def answered_by_proxy(patient):
    response_record(
        patient=patient,
        instrument="PHQ2",
        answers={"1": 3, "2": 3},
        completed_on=timezone.localdate(),
        rater="proxy",
    )


# --- The admin ---------------------------------------------------------------------------------


def admin_form_data(response) -> dict:
    """What the change page would send as it is: the team's fields and each inline's forms."""
    data = {}
    form = response.context["adminform"].form
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        data[name] = "" if value is None else value
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[f"{formset.prefix}-{name}"] = management.initial.get(name, "")
        data[f"{formset.prefix}-TOTAL_FORMS"] = formset.initial_form_count()
    return data


def test_the_team_admin_offers_instruments_and_sets_where_to_get_help(client, admin_user, team):
    sign_in_with_code(client, admin_user)
    url = reverse("admin:patients_team_change", args=[team.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="help_now_en_gb"' in html  # one field per language (docs/languages.md)
    assert "Patient Health Questionnaire-2 (PHQ-2) (PHQ2)" in html  # the choice, by name

    data = admin_form_data(page) | {
        "help_now_en_gb": "Call the Riverside duty nurse on 01234 567890.",
        "instruments_offered-TOTAL_FORMS": 1,
        "instruments_offered-0-instrument": "PHQ2",
        "instruments_offered-0-schedule": "before_appointment",
    }
    saved = client.post(url, data)

    assert saved.status_code == 302, saved.context["inline_admin_formsets"][1].formset.errors
    team.refresh_from_db()
    assert team.help_now == "Call the Riverside duty nurse on 01234 567890."
    assert list(TeamInstrument.objects.values_list("team", "instrument", "schedule")) == [
        (team.pk, "PHQ2", "before_appointment")
    ]


def test_the_team_admin_refuses_an_unknown_instrument(client, admin_user, team):
    sign_in_with_code(client, admin_user)
    url = reverse("admin:patients_team_change", args=[team.pk])
    data = admin_form_data(client.get(url)) | {
        "instruments_offered-TOTAL_FORMS": 1,
        "instruments_offered-0-instrument": "PHQ9",
        "instruments_offered-0-schedule": "quarterly",
    }
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert "Select a valid choice. PHQ9 is not one of the available choices." in (
        refused.content.decode()
    )
    assert not TeamInstrument.objects.exists()


def test_responses_are_read_in_the_admin_never_added_or_changed(client, admin_user, patient):
    saved = answered(patient, "PHQ2", {"1": 1, "2": 1}, days_ago=1)
    sign_in_with_code(client, admin_user)

    listed = client.get(reverse("admin:assessments_instrumentresponse_changelist"))
    assert listed.status_code == 200
    assert "PHQ2" in listed.content.decode()
    assert client.get(reverse("admin:assessments_instrumentresponse_add")).status_code == 403
    change = reverse("admin:assessments_instrumentresponse_change", args=[saved.pk])
    opened = client.get(change)
    assert opened.status_code == 200
    assert 'name="_save"' not in opened.content.decode()
    assert client.post(change, {"answers": '{"1": 3, "2": 3}'}).status_code == 403
    saved.refresh_from_db()
    assert saved.answers == {"1": 1, "2": 1}
    assert client.get(reverse("admin:assessments_instrumentwording_add")).status_code == 403
