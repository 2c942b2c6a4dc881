"""The patient portal: every page is the patient's own, says things plainly, keeps what was typed
when something needs fixing, and saves through the same services as the clinician's pages."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from assessments.encounters import RELATIONSHIP_CODES
from assessments.models import Goal, GoalReview, PrioritySet, Rating
from assessments.responses import response_record, team_instrument_offer
from assessments.services import (
    goal_review_record,
    personal_item_create,
    priorities_set,
    rating_record,
)
from indicators.models import SummaryState
from indicators.scoring import period_bounds, period_of
from indicators.services import patient_summaries_refresh
from patients.models import Agenda, AuditEvent, User
from patients.services import agenda_write
from portal.words import period_words, progress_reading
from tests.factories import (
    AppointmentFactory,
    ContextEventFactory,
    EncounterFactory,
    GoalFactory,
    PatientFactory,
    UserFactory,
)
from tests.support.two_step import sign_in_with_code

pytestmark = pytest.mark.django_db

STAFF_NOTE = "Staff only: query low mood, discuss with GP"
PAGES = [
    "portal:home",
    "portal:priorities",
    "portal:item-add",
    "portal:ratings",
    "portal:goals",
    "portal:goal-new",
    "portal:agenda",
    "portal:progress",
    "portal:settings",
    "portal:access-log",
]


@pytest.fixture
def me(client, patient):
    client.force_login(patient.user)
    return client


def today() -> dt.date:
    return timezone.localdate()


def is_stale(patient) -> bool:
    state = SummaryState.objects.get(patient=patient)
    return state.dirty > state.computed_up_to


def points_post(action="save", step=None, **points):
    """What the sharing step posts: what was picked, each one's points, and the button."""
    data = {"stage": "share", "action": action, "picked": list(points)}
    data.update({f"points_{key}": str(value) for key, value in points.items()})
    if step:
        data["step"] = step
    return data


def picks_post(*keys, action="share", **points):
    """What the picking step posts: the ticks, any points carried along, and the button."""
    data = {"stage": "pick", "action": action, "picked": list(keys)}
    data.update({f"points_{key}": str(value) for key, value in points.items()})
    return data


def shown_points(html: str) -> dict[str, str]:
    """The number in each points box on the page, by key, in the order shown."""
    return dict(re.findall(r'name="points_(\w+)" id="id_points_\w+" value="([^"]*)"', html))


# --- Who may open the portal ---------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_a_visitor_is_sent_to_sign_in_from_every_portal_page(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("who", ["clinician", "manager", "admin_user"])
@pytest.mark.parametrize("name", PAGES)
def test_staff_are_refused_every_portal_page(client, request, who, name):
    sign_in_with_code(client, request.getfixturevalue(who))
    assert client.get(reverse(name)).status_code == 403


def test_a_patient_login_without_a_record_finds_nothing(client, db):
    client.force_login(UserFactory(role=User.Role.PATIENT))
    assert client.get(reverse("portal:home")).status_code == 404


def test_a_patient_cannot_review_another_patients_goal(me, other_patient):
    goal = GoalFactory(patient=other_patient)
    url = reverse("portal:goal-review", args=[goal.pk])

    assert me.get(url).status_code == 404
    assert me.post(url, {"attainment": "2"}).status_code == 404
    assert not GoalReview.objects.exists()


def test_a_patient_cannot_open_another_patients_appointment(me, other_patient, other_clinician):
    encounter = EncounterFactory(patient=other_patient, clinician=other_clinician)
    url = reverse("portal:feedback", args=[encounter.pk])

    assert me.get(url).status_code == 404
    assert me.post(url, {"R1": "9"}).status_code == 404
    assert not Rating.objects.exists()


def test_a_patient_cannot_rate_another_patients_own_item(me, other_patient):
    item = personal_item_create(patient=other_patient, label="Gardening", domain="H")
    url = reverse("portal:rate", args=[item.key])

    assert me.get(url).status_code == 404
    assert me.post(url, {"action": "next", "value": "5"}).status_code == 404
    assert not Rating.objects.exists()


@pytest.mark.parametrize("key", ["X9", "P999999", "h2", "P"])
def test_a_question_that_does_not_exist_is_not_found(me, key):
    assert me.get(reverse("portal:rate", args=[key])).status_code == 404


def test_a_finished_goal_cannot_be_reviewed(me, patient):
    goal = GoalFactory(patient=patient, active=False)
    assert me.get(reverse("portal:goal-review", args=[goal.pk])).status_code == 404


def test_staff_notes_and_hidden_events_never_appear_on_any_portal_page(me, patient, clinician):
    encounter = EncounterFactory(patient=patient, clinician=clinician, note=STAFF_NOTE)
    ContextEventFactory(patient=patient, note="Hidden from the patient", visible_to_patient=False)
    goal = GoalFactory(patient=patient)
    urls = [reverse(name) for name in PAGES] + [
        reverse("portal:feedback", args=[encounter.pk]),
        reverse("portal:goal-review", args=[goal.pk]),
        reverse("portal:rate", args=["H2"]),
    ]
    for url in urls:
        html = me.get(url).content.decode()
        assert STAFF_NOTE not in html, url
        assert "Hidden from the patient" not in html, url


# --- Home ----------------------------------------------------------------------------------------


def test_home_shows_the_next_appointment_and_asks_what_to_talk_about(me, patient, clinician):
    AppointmentFactory(
        patient=patient,
        clinician=clinician,
        starts_at=timezone.now() + dt.timedelta(days=2),
    )
    html = me.get(reverse("portal:home")).content.decode()

    assert "Hello, Pat" in html
    assert "Your next appointment" in html
    assert str(clinician) in html
    assert "Write what you want to talk about" in html


def test_home_asks_how_a_recent_appointment_went_until_it_is_answered(me, patient, clinician):
    encounter = EncounterFactory(
        patient=patient, clinician=clinician, occurred_at=timezone.now() - dt.timedelta(days=2)
    )
    feedback_url = reverse("portal:feedback", args=[encounter.pk])
    assert feedback_url in me.get(reverse("portal:home")).content.decode()

    me.post(feedback_url, {"R4": "9"})

    assert feedback_url not in me.get(reverse("portal:home")).content.decode()


def test_home_asks_only_about_the_latest_appointment_and_not_an_old_one(me, patient, clinician):
    older = EncounterFactory(
        patient=patient, clinician=clinician, occurred_at=timezone.now() - dt.timedelta(days=5)
    )
    latest = EncounterFactory(
        patient=patient, clinician=clinician, occurred_at=timezone.now() - dt.timedelta(days=1)
    )
    me.post(reverse("portal:feedback", args=[latest.pk]), {"R1": "7"})
    html = me.get(reverse("portal:home")).content.decode()
    assert reverse("portal:feedback", args=[older.pk]) not in html
    assert "How did your appointment go?" not in html


def test_home_does_not_ask_about_an_appointment_over_a_month_ago(me, patient, clinician):
    EncounterFactory(
        patient=patient, clinician=clinician, occurred_at=timezone.now() - dt.timedelta(days=40)
    )
    assert "How did your appointment go?" not in me.get(reverse("portal:home")).content.decode()


def test_the_landing_page_links_a_patient_into_their_portal(me):
    html = me.get(reverse("home"), follow=True).content.decode()
    for name in ("portal:priorities", "portal:ratings", "portal:goals", "portal:progress"):
        assert f'href="{reverse(name)}"' in html


# --- What matters to me --------------------------------------------------------------------------


def test_what_matters_starts_with_a_list_to_tick_grouped_by_part_of_life(me, patient):
    item = personal_item_create(patient=patient, label="Singing in the choir", domain="H")
    response = me.get(reverse("portal:priorities"))
    html = response.content.decode()

    assert response.status_code == 200
    assert "Step 1 of 2" in html
    assert html.count('type="checkbox" name="picked"') == 14
    assert html.count('class="points-input"') == 0  # no points until something is picked
    assert "<legend>My health and how I feel</legend>" in html
    assert "<legend>Looking after myself</legend>" in html
    assert "My symptoms are under control" in html
    assert "Symptom control" not in html  # the clinical label is for staff
    assert f'value="{item.key}" id="id_picked_{item.key}">' in html
    assert 'Singing in the choir <span class="tag">in my words</span>' in html
    assert ">Add something in my own words</button>" in html


def test_ticking_things_shares_100_points_evenly_among_them_in_fives(me, patient):
    response = me.post(reverse("portal:priorities"), picks_post("R4", "H2", "M2"))
    html = response.content.decode()

    assert response.status_code == 200
    assert "Step 2 of 2" in html
    assert shown_points(html) == {"H2": "35", "M2": "35", "R4": "30"}
    assert html.count('class="points-row') == 3
    assert "You have shared all <strong>100</strong> points." in html
    assert 'class="points-status points-done"' in html
    assert not PrioritySet.objects.exists()


def test_ticking_nothing_is_refused_next_to_the_list(me):
    response = me.post(reverse("portal:priorities"), picks_post())
    html = response.content.decode()

    assert response.status_code == 400
    assert '<ul class="errorlist" id="id_picked_error"><li>Pick at least one thing' in html
    assert 'aria-describedby="id_picked_error"' in html
    assert not PrioritySet.objects.exists()


def test_a_plus_button_gives_points_that_are_left_without_saving(me):
    response = me.post(reverse("portal:priorities"), points_post("", "H2:5", H2=20, M2=10))
    html = response.content.decode()

    assert response.status_code == 200
    assert shown_points(html) == {"H2": "25", "M2": "10"}
    assert (
        "You have shared <strong>35</strong> of 100 points. <strong>65</strong> left to share."
        in html
    )
    assert not PrioritySet.objects.exists()


def test_a_plus_button_with_nothing_left_takes_5_from_the_thing_with_the_most(me):
    response = me.post(reverse("portal:priorities"), points_post("", "R4:5", H2=30, M2=50, R4=20))
    html = response.content.decode()

    assert shown_points(html) == {"H2": "30", "M2": "45", "R4": "25"}
    assert (
        "No points were left, so we took 5 from “Feeling ready and sure I can look after myself” "
        "and gave them to “I feel listened to, valued and supported”."
    ) in html
    assert "You have shared all <strong>100</strong> points." in html


def test_a_plus_button_gives_what_is_left_when_it_is_less_than_5(me):
    response = me.post(reverse("portal:priorities"), points_post("", "M2:5", H2=98, M2=0))
    assert shown_points(response.content.decode()) == {"H2": "98", "M2": "2"}


def test_a_plus_button_on_the_only_thing_with_points_says_it_has_them_all(me):
    response = me.post(reverse("portal:priorities"), points_post("", "H2:5", H2=100, M2=0))
    html = response.content.decode()

    assert shown_points(html) == {"H2": "100", "M2": "0"}
    assert "“My symptoms are under control” already has all the points." in html


def test_a_minus_button_puts_points_back_to_share(me):
    response = me.post(reverse("portal:priorities"), points_post("", "M2:-5", H2=50, M2=50))
    html = response.content.decode()

    assert shown_points(html) == {"H2": "50", "M2": "45"}
    assert (
        "You have shared <strong>95</strong> of 100 points. <strong>5</strong> left to share."
        in html
    )
    assert 'class="points-status points-under"' in html


def test_saving_points_makes_a_new_priority_set_and_keeps_the_earlier_one(me, patient):
    first = me.post(reverse("portal:priorities"), points_post(H2=60, M2=40))
    assert first.status_code == 302

    me.post(reverse("portal:priorities"), points_post(H2=30, M2=30, R4=40))

    sets = list(PrioritySet.objects.filter(patient=patient).order_by("id"))
    assert len(sets) == 2
    assert {p.element.key: p.points for p in sets[-1].points.all()} == {
        "H2": 30,
        "M2": 30,
        "R4": 40,
    }
    assert sets[-1].effective_from == today()
    assert sets[-1].entered_by == patient.user
    assert sets[-1].by_proxy is False
    assert is_stale(patient)
    html = me.get(reverse("portal:priorities")).content.decode()
    assert html.count("<li>\n      <strong>") == 2  # both sets are in the history
    assert shown_points(html) == {"H2": "30", "M2": "30", "R4": "40"}  # the set opens to share


def test_more_points_than_allowed_are_refused_beside_the_total_and_nothing_typed_is_lost(
    me, patient
):
    response = me.post(reverse("portal:priorities"), points_post(H2=70, M2=50))
    html = response.content.decode()

    assert response.status_code == 400
    assert 'class="points-status points-over"' in html
    status = html[html.index('class="points-status') : html.index('class="points-group')]
    assert "You have shared 120 points. The most you can share is 100." in status
    assert "Take away 20, then save." in status
    assert "That is <strong>20</strong> too many. Take some away." in status
    assert shown_points(html) == {"H2": "70", "M2": "50"}
    assert not PrioritySet.objects.exists()


def test_no_points_at_all_are_refused(me):
    response = me.post(reverse("portal:priorities"), points_post(H2=0))
    assert response.status_code == 400
    assert "Give some points to at least one thing, then save." in response.content.decode()


def test_points_that_are_not_a_number_are_refused_next_to_their_line(me):
    response = me.post(reverse("portal:priorities"), points_post(H2="lots", M2=10))
    html = response.content.decode()

    assert response.status_code == 400
    assert '<ul class="errorlist" id="id_points_H2_error">' in html
    assert "Write a whole number, like 10." in html
    assert shown_points(html) == {"H2": "lots", "M2": "10"}
    assert not PrioritySet.objects.exists()


def test_changing_what_was_picked_keeps_the_points_given_and_shares_what_is_left(me):
    back = me.post(reverse("portal:priorities"), points_post("pick", H2=60, M2=40))
    html = back.content.decode()

    assert "Step 1 of 2" in html
    assert 'value="H2" id="id_picked_H2" checked>' in html
    assert 'value="M2" id="id_picked_M2" checked>' in html
    assert '<input type="hidden" name="points_H2" value="60">' in html

    onward = me.post(reverse("portal:priorities"), picks_post("H2", "R1", "R4", H2=60, M2=40))
    assert shown_points(onward.content.decode()) == {"H2": "60", "R1": "20", "R4": "20"}


def test_adding_an_own_item_keeps_what_was_picked_and_typed_and_ticks_the_new_one(me, patient):
    going = me.post(reverse("portal:priorities"), picks_post("H2", "M2", action="add-item", H2=30))
    assert going.status_code == 302
    assert going["Location"] == reverse("portal:item-add")

    added = me.post(reverse("portal:item-add"), {"label": "  Singing in the choir ", "domain": "H"})

    item = patient.personal_items.get()
    assert item.label == "Singing in the choir"
    assert item.domain_id == "H"
    assert added["Location"] == reverse("portal:priorities") + f"#pick-{item.key}"
    html = me.get(reverse("portal:priorities")).content.decode()
    assert "Added “Singing in the choir” to your list, and ticked it." in html
    for key in ("H2", "M2", item.key):
        assert f'value="{key}" id="id_picked_{key}" checked>' in html
    assert '<input type="hidden" name="points_H2" value="30">' in html
    assert not PrioritySet.objects.exists()


def test_an_empty_own_item_is_refused_with_a_clear_message(me, patient):
    response = me.post(reverse("portal:item-add"), {"label": "   ", "domain": "M"})
    html = response.content.decode()

    assert response.status_code == 400
    assert "Write what matters to you, in your own words." in html
    assert 'value="M" id="id_domain_1" checked' in html
    assert not patient.personal_items.exists()


def test_the_same_own_item_twice_is_refused(me, patient):
    personal_item_create(patient=patient, label="Gardening", domain="H")
    response = me.post(reverse("portal:item-add"), {"label": "gardening", "domain": "H"})

    assert response.status_code == 400
    assert "This is already in your list." in response.content.decode()
    assert patient.personal_items.count() == 1


def test_priorities_entered_by_a_clinician_say_so(me, patient, clinician):
    priorities_set(
        patient=patient, effective_from=today(), points={"H2": 50, "M2": 50}, entered_by=clinician
    )
    html = me.get(reverse("portal:priorities")).content.decode()
    assert f"entered by {clinician} on your behalf" in html


# --- How things are going ------------------------------------------------------------------------


def test_the_questions_are_what_the_patient_gave_points_to_most_first(me, patient):
    item = personal_item_create(patient=patient, label="Gardening", domain="H")
    priorities_set(
        patient=patient, effective_from=today(), points={"M2": 20, item.key: 50, "R4": 30}
    )
    response = me.get(reverse("portal:ratings"))

    assert [e.key for e, _, _ in response.context["rows"]] == [item.key, "R4", "M2"]
    assert response.context["next"].key == item.key
    assert "You have answered 0 of 3 yourself since" in response.content.decode()


def test_without_priorities_every_element_is_asked(me):
    response = me.get(reverse("portal:ratings"))
    assert len(response.context["rows"]) == 13


def test_a_question_shows_the_scale_with_its_meaning_at_both_ends(me):
    html = me.get(reverse("portal:rate", args=["H2"])).content.decode()

    assert "<h1>My symptoms are under control</h1>" in html
    assert html.count('type="radio" name="value"') == 11
    assert "0 means as bad as it could be for you. 10 means as good as it could be for you." in html
    assert "Skip this question" in html
    assert "Save and stop for now" in html


def test_an_answer_is_saved_as_the_patients_own_and_the_next_question_follows(me, patient):
    priorities_set(patient=patient, effective_from=today(), points={"H2": 60, "M2": 40})
    response = me.post(reverse("portal:rate", args=["H2"]), {"action": "next", "value": "7"})

    assert response.status_code == 302
    assert response["Location"] == reverse("portal:rate", args=["M2"])
    rating = Rating.objects.get()
    assert (rating.element.code, rating.value, rating.rater) == ("H2", 7, "patient")
    assert (rating.entered_by, rating.rated_on, rating.encounter) == (patient.user, today(), None)
    assert is_stale(patient)


def test_a_rating_outside_0_to_10_is_refused_with_a_clear_message(me):
    response = me.post(reverse("portal:rate", args=["H2"]), {"action": "next", "value": "11"})

    assert response.status_code == 400
    assert "Choose a number from 0 to 10." in response.content.decode()
    assert not Rating.objects.exists()


def test_saving_without_a_number_asks_for_one_or_a_skip(me):
    response = me.post(reverse("portal:rate", args=["H2"]), {"action": "next"})

    assert response.status_code == 400
    assert "Choose a number from 0 to 10, or press Skip." in response.content.decode()


def test_skip_moves_on_without_saving(me, patient):
    priorities_set(patient=patient, effective_from=today(), points={"H2": 60, "M2": 40})
    response = me.post(reverse("portal:rate", args=["H2"]), {"action": "skip", "value": "3"})

    assert response["Location"] == reverse("portal:rate", args=["M2"])
    assert not Rating.objects.exists()


def test_stopping_for_now_keeps_the_answer_and_carrying_on_starts_where_it_stopped(me, patient):
    priorities_set(patient=patient, effective_from=today(), points={"H2": 50, "M2": 30, "R4": 20})
    me.post(reverse("portal:rate", args=["H2"]), {"action": "next", "value": "6"})
    stopped = me.post(reverse("portal:rate", args=["M2"]), {"action": "later", "value": "4"})

    assert stopped["Location"] == reverse("portal:home")
    assert Rating.objects.count() == 2
    start = me.get(reverse("portal:ratings"))
    assert start.context["next"].key == "R4"
    assert "You have answered 2 of 3" in start.content.decode()
    assert "Carry on" in start.content.decode()


def test_the_last_answer_goes_back_to_the_start_with_thanks(me, patient):
    priorities_set(patient=patient, effective_from=today(), points={"H2": 100})
    response = me.post(
        reverse("portal:rate", args=["H2"]), {"action": "next", "value": "8"}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("portal:ratings")
    html = response.content.decode()
    assert "Thank you. That was the last question." in html
    assert "You have answered everything." in html


def test_an_answer_entered_for_the_patient_last_quarter_says_who_and_when(me, patient, clinician):
    earlier = this_quarter_began() - dt.timedelta(days=10)
    rating_record(
        patient=patient,
        element="H2",
        value=4,
        rated_on=earlier,
        rater="proxy",
        entered_by=clinician,
    )
    start = me.get(reverse("portal:ratings")).content.decode()
    question = me.get(reverse("portal:rate", args=["H2"])).content.decode()

    on = f"{day_month(earlier)} {earlier.year}"
    said = f"{escape(str(clinician))} from your care team entered 4 for you on {on}."
    assert said in start
    assert f"Your last answer: {said}" in question
    assert "What would you say?" not in question


def this_quarter_began() -> dt.date:
    return period_bounds(period_of(today()))[0]


def day_month(day: dt.date) -> str:
    """ "3 November", as the portal writes a day of this quarter."""
    return f"{day.day} {day:%B}"


def proxy_rating(patient, clinician, key: str, value: int, on: dt.date | None = None):
    return rating_record(
        patient=patient,
        element=key,
        value=value,
        rated_on=on or today(),
        rater="proxy",
        entered_by=clinician,
    )


def test_answers_a_clinician_entered_today_are_still_asked_one_by_one(me, patient, clinician):
    priorities_set(patient=patient, effective_from=today(), points={"H2": 50, "M2": 30, "R4": 20})
    for key in ("H2", "M2", "R4"):
        proxy_rating(patient, clinician, key, 6)

    start = me.get(reverse("portal:ratings"))
    first = me.get(reverse("portal:rate", args=["H2"]))
    answered = me.post(reverse("portal:rate", args=["H2"]), {"action": "next", "value": "7"})

    began = day_month(this_quarter_began())
    assert f"You have answered 0 of 3 yourself since {began}." in start.content.decode()
    assert start.context["next"].key == "H2"
    assert ">Start</a>" in start.content.decode()
    assert "Question 1 of 3" in first.content.decode()
    assert answered["Location"] == reverse("portal:rate", args=["M2"])
    after = me.get(reverse("portal:ratings")).content.decode()
    assert f"You have answered 1 of 3 yourself since {began}." in after


def test_the_list_and_each_question_say_which_answers_were_entered_for_the_patient(
    me, patient, clinician
):
    priorities_set(patient=patient, effective_from=today(), points={"H2": 50, "M2": 30, "R4": 20})
    proxy_rating(patient, clinician, "H2", 6)
    proxy_rating(patient, clinician, "M2", 3)
    rating_record(patient=patient, element="R4", value=9, rated_on=today(), rater="patient")
    on = day_month(today())

    start = me.get(reverse("portal:ratings")).content.decode()
    question = me.get(reverse("portal:rate", args=["H2"])).content.decode()
    own = me.get(reverse("portal:rate", args=["R4"])).content.decode()

    who = escape(str(clinician))
    entered = f"{who} from your care team entered %d for you on {on}. What would you say?"
    assert entered % 6 in start
    assert entered % 3 in start
    assert "Your care team entered 2 answers for you. We would like to hear what you say too." in (
        start
    )
    assert entered % 6 in question
    assert f"On {on} you chose 9." in own
    assert "What would you say?" not in own


def test_carry_on_resumes_at_the_first_thing_not_answered_by_the_patient_herself(
    me, patient, clinician
):
    priorities_set(patient=patient, effective_from=today(), points={"H2": 50, "M2": 30, "R4": 20})
    rating_record(patient=patient, element="H2", value=5, rated_on=today(), rater="patient")
    proxy_rating(patient, clinician, "M2", 6)

    response = me.get(reverse("portal:ratings"))
    html = response.content.decode()

    assert response.context["next"].key == "M2"
    assert f'<a class="button button-primary" href="{reverse("portal:rate", args=["M2"])}">' in html
    assert ">Carry on</a>" in html
    assert "You have answered 1 of 3 yourself since" in html


def test_only_the_patients_own_answers_this_quarter_count_as_answered(me, patient, clinician):
    priorities_set(patient=patient, effective_from=today(), points={"H2": 50, "M2": 30, "R4": 20})
    began = this_quarter_began()
    rating_record(patient=patient, element="H2", value=5, rated_on=began, rater="patient")
    rating_record(
        patient=patient,
        element="M2",
        value=5,
        rated_on=began - dt.timedelta(days=1),
        rater="patient",
    )
    proxy_rating(patient, clinician, "M2", 2)

    response = me.get(reverse("portal:ratings"))
    skipped_to = me.post(reverse("portal:rate", args=["H2"]), {"action": "skip"})

    assert f"You have answered 1 of 3 yourself since {day_month(began)}." in (
        response.content.decode()
    )
    assert response.context["next"].key == "M2"
    assert skipped_to["Location"] == reverse("portal:rate", args=["M2"])


# --- My goals ------------------------------------------------------------------------------------


def test_a_patient_adds_a_goal_in_their_own_words(me, patient):
    response = me.post(
        reverse("portal:goal-new"),
        {
            "description": "Walk to the park twice a week",
            "expected_outcome": "I get there without stopping",
            "domain": "H",
            "importance": "3",
            "difficulty": "2",
        },
    )

    assert response["Location"] == reverse("portal:goals")
    goal = Goal.objects.get(patient=patient)
    assert (goal.description, goal.expected_outcome, goal.domain_id) == (
        "Walk to the park twice a week",
        "I get there without stopping",
        "H",
    )
    assert (goal.importance, goal.difficulty, goal.created_by) == (3, 2, patient.user)
    assert is_stale(patient)
    html = me.get(reverse("portal:goals")).content.decode()
    assert "Going as expected looks like:</strong> I get there without stopping" in html


def test_an_empty_goal_is_refused_and_keeps_everything_else_typed(me, patient):
    response = me.post(
        reverse("portal:goal-new"),
        {"description": "  ", "expected_outcome": "Sleep through", "domain": "M"},
    )
    html = response.content.decode()

    assert response.status_code == 400
    assert "Write your goal in a few words." in html
    assert "Sleep through</textarea>" in html
    assert 'value="M" id="id_domain_1" checked' in html
    assert not Goal.objects.exists()


def test_the_list_of_problems_names_each_one_and_links_to_its_box(me, patient):
    response = me.post(reverse("portal:goal-new"), {"description": "", "expected_outcome": ""})

    html = response.content.decode()
    summary = html.split('class="error-summary"')[1].split("</div>")[0]
    links = re.findall(r'<li><a href="#([^"]+)">([^<]+)</a></li>', summary)
    assert "Write your goal in a few words." in [message for _, message in links]
    assert len(links) == len(response.context["form"].errors)
    for target, _ in links:  # each link reaches its box or a group's first choice
        assert f'id="{target}"' in html
    assert "id_domain_0" in [target for target, _ in links]


def test_a_patient_reviews_a_goal_on_the_five_plain_levels(me, patient):
    goal = GoalFactory(patient=patient, expected_outcome="Walk there without stopping")
    page = me.get(reverse("portal:goal-review", args=[goal.pk])).content.decode()
    for words in (
        "Much less than expected",
        "A bit less than expected",
        "As expected",
        "A bit more than expected",
        "Much more than expected",
    ):
        assert words in page
    assert "Walk there without stopping" in page

    response = me.post(reverse("portal:goal-review", args=[goal.pk]), {"attainment": "1"})

    assert response["Location"] == reverse("portal:goals")
    review = GoalReview.objects.get(goal=goal)
    assert (review.attainment, review.reviewed_on, review.reviewed_by) == (
        1,
        today(),
        patient.user,
    )
    assert "a bit more than expected" in me.get(reverse("portal:goals")).content.decode()
    assert is_stale(patient)


def test_a_goal_review_needs_an_answer(me, patient):
    goal = GoalFactory(patient=patient)
    response = me.post(reverse("portal:goal-review", args=[goal.pk]), {"attainment": "5"})

    assert response.status_code == 400
    assert "Choose one of the five answers." in response.content.decode()
    assert not GoalReview.objects.exists()


# --- My next appointment -------------------------------------------------------------------------


def test_the_agenda_is_written_for_the_next_appointment_and_the_clinician_sees_it(
    me, client, patient, clinician
):
    appointment = AppointmentFactory(patient=patient, clinician=clinician)
    response = me.post(
        reverse("portal:agenda"),
        {"going_well": "Walking more", "hard": "Evenings", "change": "", "questions": ""},
    )

    assert response["Location"] == reverse("portal:agenda")
    agenda = Agenda.objects.get()
    assert (agenda.patient, agenda.appointment) == (patient, appointment)
    assert (agenda.going_well, agenda.hard) == ("Walking more", "Evenings")
    client.force_login(clinician)
    record = client.get(reverse("clinic:patient", args=[patient.pk])).content.decode()
    assert "Walking more" in record
    assert "Evenings" in record


def test_saving_the_agenda_again_changes_it_rather_than_adding_another(me, patient, clinician):
    AppointmentFactory(patient=patient, clinician=clinician)
    me.post(reverse("portal:agenda"), {"questions": "Is my blood test due?"})
    me.post(reverse("portal:agenda"), {"questions": "Can I see the dietitian?"})

    assert list(Agenda.objects.values_list("questions", flat=True)) == ["Can I see the dietitian?"]
    assert "Can I see the dietitian?" in me.get(reverse("portal:agenda")).content.decode()


@pytest.fixture
def talked_about(me, patient, clinician):
    """An agenda the patient wrote, then talked about in an encounter that ticked it."""
    from patients.services import encounter_record

    AppointmentFactory(patient=patient, clinician=clinician)
    me.post(reverse("portal:agenda"), {"questions": "Is my blood test due?"})
    return encounter_record(
        patient=patient,
        clinician=clinician,
        occurred_at=timezone.now(),
        mode="phone",
        initiated_by="service",
        duration_minutes=10,
        agenda_discussed=True,
    )


def test_an_agenda_changed_after_it_was_talked_about_is_waiting_again(
    me, patient, clinician, talked_about
):
    from django.test import Client

    staff = Client()
    staff.force_login(clinician)
    assert (
        "No agenda waiting."
        in staff.get(reverse("clinic:patient", args=[patient.pk])).content.decode()
    )

    saved = me.post(
        reverse("portal:agenda"), {"questions": "Can I see the dietitian?"}, follow=True
    )

    assert "Your care team will read this before you meet." in saved.content.decode()
    assert Agenda.objects.get().discussed_in is None
    record = staff.get(reverse("clinic:patient", args=[patient.pk])).content.decode()
    assert "Can I see the dietitian?" in record
    assert "No agenda waiting." not in record
    [row] = staff.get(reverse("clinic:caseload")).context["page"].object_list
    assert row.agenda_waiting is True
    form = staff.get(reverse("clinic:encounter-new", args=[patient.pk])).content.decode()
    assert "Can I see the dietitian?" in form


def test_saving_an_unchanged_agenda_that_was_talked_about_keeps_it_talked_about(me, talked_about):
    me.post(reverse("portal:agenda"), {"questions": "Is my blood test due?"})

    assert Agenda.objects.get().discussed_in == talked_about


def test_an_agenda_with_no_appointment_booked_is_kept_once(me, patient):
    me.post(reverse("portal:agenda"), {"hard": "Sleeping"})
    me.post(reverse("portal:agenda"), {"hard": "Sleeping badly"})

    assert list(Agenda.objects.values_list("hard", "appointment")) == [("Sleeping badly", None)]


def test_an_empty_agenda_is_refused_with_a_clear_message(me, patient, clinician):
    AppointmentFactory(patient=patient, clinician=clinician)
    response = me.post(reverse("portal:agenda"), {"going_well": " ", "hard": ""})

    assert response.status_code == 400
    assert "Write something in at least one of the boxes, then save." in response.content.decode()
    assert not Agenda.objects.exists()


def test_an_agenda_written_before_the_appointment_was_booked_is_shown_and_kept_for_it(
    me, patient, clinician
):
    me.post(reverse("portal:agenda"), {"questions": "Can I stop the statin?"})
    appointment = AppointmentFactory(patient=patient, clinician=clinician)

    page = me.get(reverse("portal:agenda")).content.decode()
    assert "Can I stop the statin?" in page

    me.post(reverse("portal:agenda"), {"questions": "Can I stop the statin?", "hard": "Stairs"})

    agenda = Agenda.objects.get()  # the one she wrote, now for the appointment: not a second
    assert (agenda.appointment, agenda.questions, agenda.hard) == (
        appointment,
        "Can I stop the statin?",
        "Stairs",
    )


def test_a_box_too_long_is_not_called_empty(me, patient, clinician):
    AppointmentFactory(patient=patient, clinician=clinician)
    response = me.post(reverse("portal:agenda"), {"going_well": "x" * 2001})

    assert response.status_code == 400
    page = response.content.decode()
    assert "Write something in at least one of the boxes" not in page
    assert list(response.context["form"].errors) == ["going_well"]
    assert not Agenda.objects.exists()


# --- Feedback on an appointment ------------------------------------------------------------------


def test_feedback_records_relationship_answers_for_that_appointment(me, patient, clinician):
    encounter = EncounterFactory(patient=patient, clinician=clinician, note=STAFF_NOTE)
    page = me.get(reverse("portal:feedback", args=[encounter.pk]))
    assert page.status_code == 200
    assert str(clinician) in page.content.decode()

    response = me.post(reverse("portal:feedback", args=[encounter.pk]), {"R1": "8", "R4": "10"})

    assert response["Location"] == reverse("portal:home")
    ratings = Rating.objects.filter(encounter=encounter).order_by("element__code")
    assert [(r.element.code, r.value, r.rater, r.entered_by) for r in ratings] == [
        ("R1", 8, "patient", patient.user),
        ("R4", 10, "patient", patient.user),
    ]
    assert set(RELATIONSHIP_CODES) >= {r.element.code for r in ratings}
    again = me.get(reverse("portal:feedback", args=[encounter.pk])).content.decode()
    assert "You can change your answers." in again
    assert 'value="8" id="id_R1_8" checked' in again


def test_feedback_with_no_answer_is_refused(me, patient, clinician):
    encounter = EncounterFactory(patient=patient, clinician=clinician)
    response = me.post(reverse("portal:feedback", args=[encounter.pk]), {})

    assert response.status_code == 400
    assert "Answer at least one question, or go back." in response.content.decode()
    assert not Rating.objects.exists()


def test_feedback_on_an_appointment_still_to_come_is_not_found(me, patient, clinician):
    encounter = EncounterFactory(
        patient=patient, clinician=clinician, occurred_at=timezone.now() + dt.timedelta(days=1)
    )
    assert me.get(reverse("portal:feedback", args=[encounter.pk])).status_code == 404


# --- My progress ---------------------------------------------------------------------------------


def test_progress_reads_out_the_change_and_shows_a_chart_and_a_table(me, patient):
    last_year = today() - dt.timedelta(days=200)
    for key, before, now in (("H2", 4, 8), ("M2", 5, 7)):
        rating_record(
            patient=patient, element=key, value=before, rated_on=last_year, rater="patient"
        )
        rating_record(patient=patient, element=key, value=now, rated_on=today(), rater="patient")
    priorities_set(patient=patient, effective_from=last_year, points={"H2": 50, "M2": 50})
    patient_summaries_refresh(patient_id=patient.pk)

    response = me.get(reverse("portal:progress"))
    html = response.content.decode()

    assert response.status_code == 200
    assert "Things that matter most to you are going better than in the " in html
    assert "your score was 7.5 out of 10" in html
    assert "Before that it was 4.5 out of 10." in html
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" role="img"') == 2
    assert "{#" not in html  # no template comment shows on the page
    assert '<title id="chart-overall-title">' in html
    [table] = response.context["tables"]
    newest = table["quarters"][-1]
    assert f'<span class="score-quarter-months">{period_words(newest["period"])}</span>' in html
    assert table["lines"][0] == ("Overall", ["4.5", "7.5"])
    assert table["lines"][1] == ("My health and how I feel", ["4.0", "8.0"])


def test_progress_without_scores_says_how_to_get_some(me):
    html = me.get(reverse("portal:progress")).content.decode()
    assert "You have no scores yet." in html
    assert "<svg" not in html


def test_progress_shows_only_what_the_patient_may_see_of_what_happened(me, patient):
    ContextEventFactory(patient=patient, kind="admission", note="Home now and recovering.")
    ContextEventFactory(patient=patient, kind="bereavement", visible_to_patient=False)
    html = me.get(reverse("portal:progress")).content.decode()

    assert "Hospital admission. Home now and recovering." in html
    assert "Bereavement" not in html


def test_progress_shows_each_goals_reviews_in_order(me, patient):
    goal = GoalFactory(patient=patient, baseline_on=today() - dt.timedelta(days=30))
    goal_review_record(goal=goal, attainment=-1, reviewed_on=today() - dt.timedelta(days=20))
    goal_review_record(goal=goal, attainment=0, reviewed_on=today())
    html = me.get(reverse("portal:progress")).content.decode()

    assert html.index("a bit less than expected") < html.index(": as expected")


@pytest.mark.parametrize(
    ("scores", "own", "headline"),
    [
        ([("2026Q1", 50.0), ("2026Q2", 62.0)], True, "better than in the winter (January to Mar"),
        ([("2026Q1", 50.0), ("2026Q2", 62.0)], True, "Things that matter most to you"),
        ([("2026Q2", 70.0), ("2026Q3", 55.0)], False, "Things overall are not going as well"),
        ([("2026Q3", 60.0), ("2026Q4", None), ("2027Q1", 65.0)], True, "about the same as in the"),
        # 70/3 - 40/3 is 9.999999999999998 in floating point: ten points, as the clinician sees.
        ([("2026Q3", 40 / 3), ("2026Q4", 70 / 3)], False, "Things overall are going better"),
    ],
)
def test_the_reading_of_progress_is_in_plain_words(scores, own, headline):
    assert headline in progress_reading(scores, own_priorities=own).headline


# --- Settings ------------------------------------------------------------------------------------


def test_a_patient_turns_reminders_off_and_changes_their_email(me, patient):
    response = me.post(reverse("portal:settings"), {"email": "pat@example.org"})

    assert response["Location"] == reverse("portal:settings")
    patient.user.refresh_from_db()
    assert patient.user.email == "pat@example.org"
    assert patient.user.reminders_opt_out is True

    me.post(reverse("portal:settings"), {"email": "pat@example.org", "reminders": "on"})
    patient.user.refresh_from_db()
    assert patient.user.reminders_opt_out is False


def test_a_wrong_email_address_is_refused_and_kept(me, patient):
    response = me.post(reverse("portal:settings"), {"email": "pat-at-home", "reminders": "on"})

    assert response.status_code == 400
    assert "Write an email address like name@example.org." in response.content.decode()
    assert 'value="pat-at-home"' in response.content.decode()


# --- Queries -------------------------------------------------------------------------------------


DOMAINS = ("H", "M", "R")


def add_history(patient, clinician, *, size: int, tag: str) -> None:
    """`size` of everything a patient's pages list: personal items, ratings over `size`
    quarters, priority sets, goals with reviews, life events, encounters (with feedback),
    appointments with agendas, and staff accesses to the record."""
    staff = [clinician, *(UserFactory(role="clinician") for _ in range(size - 1))]
    items = [
        personal_item_create(patient=patient, label=f"Item {tag} {n}", domain=DOMAINS[n % 3])
        for n in range(size)
    ]
    keys = ["H1", "H2", "M2", "R1", *(item.key for item in items)]
    for quarter in range(size):
        day = today() - dt.timedelta(days=91 * quarter)
        for n, key in enumerate(keys):
            rating_record(
                patient=patient,
                element=key,
                value=(n + quarter) % 11,
                rated_on=day,
                rater="patient",
            )
        priorities_set(
            patient=patient, effective_from=day, points={key: 100 // len(keys) for key in keys}
        )
    for n in range(size):
        goal = GoalFactory(
            patient=patient,
            description=f"Goal {tag} {n}",
            domain_id=DOMAINS[n % 3],
            baseline_on=today() - dt.timedelta(days=30 + n),
            active=n % 4 != 3,
        )
        for days_ago in range(min(n, 3) + 1):
            goal_review_record(
                goal=goal, attainment=n % 5 - 2, reviewed_on=today() - dt.timedelta(days=days_ago)
            )
        ContextEventFactory(
            patient=patient,
            kind=("admission", "bereavement", "new_job")[n % 3],
            occurred_on=today() - dt.timedelta(days=n),
            visible_to_patient=n % 2 == 0,
        )
        encounter = EncounterFactory(
            patient=patient,
            clinician=staff[n],
            occurred_at=timezone.now() - dt.timedelta(days=n + 1),
        )
        if n:  # the latest encounter still waits for the patient's feedback
            rating_record(
                patient=patient,
                element="R1",
                value=7,
                rated_on=today() - dt.timedelta(days=n),
                rater="patient",
                encounter=encounter,
            )
        AppointmentFactory(
            patient=patient,
            clinician=staff[n],
            starts_at=timezone.now() + dt.timedelta(days=n + 2),
        )
        AuditEvent.objects.create(
            actor=staff[n], actor_role="clinician", patient=patient, action="view", what="record"
        )
    for team in patient.teams.all():
        team_instrument_offer(team=team, instrument="PHQ2", schedule="quarterly")
        team_instrument_offer(team=team, instrument="ONS4", schedule="before_appointment")
    for quarter in range(1, size + 1):  # answered in past quarters: both still due today
        day = today() - dt.timedelta(days=91 * quarter)
        for code, answers in (("PHQ2", {"1": 1, "2": 2}), ("ONS4", {"1": 7, "2": 8, "3": 6})):
            response_record(
                patient=patient, instrument=code, answers=answers, completed_on=day, rater="patient"
            )
    agenda_write(patient=patient, hard=f"Sleeping ({tag})")
    patient_summaries_refresh(patient_id=patient.pk)


PAGE_ARGS = {"portal:questionnaire": ["PHQ2"], "portal:questionnaire-done": ["PHQ2"]}


def queries_for(client, url: str) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return [query["sql"] for query in queries.captured_queries]


@pytest.mark.parametrize(
    ("name", "most"),
    [
        ("portal:home", 14),
        ("portal:priorities", 14),
        ("portal:item-add", 9),
        ("portal:ratings", 12),
        ("portal:goals", 10),
        ("portal:goal-new", 9),
        ("portal:agenda", 10),
        ("portal:progress", 14),
        ("portal:settings", 9),
        ("portal:access-log", 10),
        ("portal:questionnaire", 9),
        ("portal:questionnaire-done", 9),
    ],
)
def test_portal_pages_use_a_fixed_number_of_queries(me, patient, clinician, name, most):
    url = reverse(name, args=PAGE_ARGS.get(name))
    add_history(patient, clinician, size=2, tag="small")
    me.get(url)  # anything cached once per process is cached before counting
    small = queries_for(me, url)

    add_history(patient, clinician, size=12, tag="large")
    assert patient.ratings.count() > 150
    assert patient.goals.count() == 14
    large = queries_for(me, url)

    assert len(large) == len(small), "\n".join(large)
    assert len(small) <= most, "\n".join(small)


def test_another_patients_data_never_shows_on_my_pages(me, patient, other_patient):
    personal_item_create(patient=other_patient, label="Olive's allotment", domain="H")
    GoalFactory(patient=other_patient, description="Olive's own goal")
    PatientFactory(display_name="Someone Else")
    for name in PAGES:
        html = me.get(reverse(name)).content.decode()
        assert "Olive" not in html, name
