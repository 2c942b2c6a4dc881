"""The clinician workspace: caseload, record, encounter logging and supporting records."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape as html_escape

from assessments.models import GoalReview, PersonalTarget, Rating, Reading
from assessments.services import (
    goal_create,
    personal_item_create,
    priorities_set,
    rating_record,
    reading_record,
    target_set,
)
from clinic.selectors import CASELOAD_SORTS
from indicators.models import PatientSummary
from patients.models import Agenda, AuditEvent, ContextEvent, Encounter
from patients.services import agenda_write, appointment_time, context_event_record, encounter_record
from tests.factories import (
    AppointmentFactory,
    ContextEventFactory,
    EncounterFactory,
    PatientFactory,
)
from tests.support.encounters import encounter_post as shared_encounter_post

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 2, 10)


def encounter_post(**extra):
    return shared_encounter_post(**{"note": "Talked about walking.", **extra})


# --- Caseload ------------------------------------------------------------------------------


def test_caseload_lists_only_the_patients_of_the_clinicians_teams(
    signed_in, patient, other_patient
):
    response = signed_in.get(reverse("clinic:caseload"))
    assert response.status_code == 200
    assert [p.display_name for p in response.context["page"]] == ["Pat P."]
    assert b"Olive O." not in response.content


def test_caseload_finds_a_patient_by_part_of_the_name(signed_in, team, patient):
    PatientFactory(display_name="Margaret H.", teams=[team])
    response = signed_in.get(reverse("clinic:caseload"), {"q": "marg"})
    assert [p.display_name for p in response.context["page"]] == ["Margaret H."]


def test_caseload_shows_what_changed_since_last_seen(signed_in, team, clinician):
    seen = PatientFactory(display_name="Seen S.", teams=[team])
    waiting = PatientFactory(display_name="Waiting W.", teams=[team])
    encounter_record(
        patient=seen,
        clinician=clinician,
        mode="phone",
        initiated_by="service",
        duration_minutes=10,
        occurred_at=timezone.now() - dt.timedelta(days=1),
    )
    agenda_write(patient=waiting, questions="Can I change my tablets?")
    rating_record(patient=waiting, element="H1", value=4, rated_on=DAY, rater="patient")

    response = signed_in.get(reverse("clinic:caseload"), {"sort": "changed"})

    rows = list(response.context["page"])
    assert [p.display_name for p in rows] == ["Waiting W.", "Seen S."]
    assert (rows[0].new_ratings, rows[0].agenda_waiting, rows[0].new_context) == (True, True, False)
    assert rows[1].changed is False
    assert rows[1].last_encounter is not None


@pytest.fixture
def four_on_the_caseload(team, clinician):
    """Four patients whose order is different under every sort of the caseload.

    Ann was seen 10 days ago; her rating, life event and agenda all came before that visit (the
    agenda was discussed in it), and her only appointment is past. Ben has never been seen, has
    priorities, an agenda waiting and an appointment in 20 days. Cat was seen yesterday and has
    priorities and only a clinician's rating since. Dan was seen 5 days ago, has an appointment
    in 3 days and a life event recorded since.
    """
    now = timezone.now()
    ann, ben, cat, dan = (
        PatientFactory(display_name=name, teams=[team])
        for name in ("Ann A.", "Ben B.", "Cat C.", "Dan D.")
    )
    for person, days_ago in ((ann, 10), (cat, 1), (dan, 5)):
        EncounterFactory(
            patient=person, clinician=clinician, occurred_at=now - dt.timedelta(days=days_ago)
        )
    AppointmentFactory(patient=ann, clinician=clinician, starts_at=now - dt.timedelta(days=1))
    AppointmentFactory(patient=ben, clinician=clinician, starts_at=now + dt.timedelta(days=20))
    AppointmentFactory(patient=dan, clinician=clinician, starts_at=now + dt.timedelta(days=3))
    for person in (ben, cat):
        priorities_set(patient=person, effective_from=DAY, points={"H1": 100})

    long_ago = now - dt.timedelta(days=20)
    old = rating_record(patient=ann, element="H1", value=4, rated_on=DAY, rater="patient")
    Rating.objects.filter(pk=old.pk).update(created_at=long_ago)
    old_event = ContextEventFactory(patient=ann, kind="bereavement")
    ContextEvent.objects.filter(pk=old_event.pk).update(created_at=long_ago)
    discussed = agenda_write(patient=ann, questions="Can I stop one tablet?")
    Agenda.objects.filter(pk=discussed.pk).update(
        created_at=long_ago, discussed_in=ann.encounters.get()
    )
    agenda_write(patient=ben, questions="Is my sugar better?")
    rating_record(
        patient=cat, element="H2", value=6, rated_on=DAY, rater="clinician", entered_by=clinician
    )
    ContextEventFactory(patient=dan, kind="new_job")


CASELOAD_ORDERS = {
    "name": ["Ann A.", "Ben B.", "Cat C.", "Dan D."],
    "-name": ["Dan D.", "Cat C.", "Ben B.", "Ann A."],
    "last_seen": ["Cat C.", "Dan D.", "Ann A.", "Ben B."],  # most recent first, never last
    "-last_seen": ["Ben B.", "Ann A.", "Dan D.", "Cat C."],  # never first, then longest ago
    "next_appointment": ["Dan D.", "Ben B.", "Ann A.", "Cat C."],  # soonest; none, by name
    "own_priorities": ["Ben B.", "Cat C.", "Ann A.", "Dan D."],  # set first, then by name
    "changed": ["Ben B.", "Dan D.", "Ann A.", "Cat C."],  # something new first, then by name
}


def test_every_caseload_sort_has_an_expected_order():
    assert set(CASELOAD_ORDERS) == set(CASELOAD_SORTS)
    orders = [tuple(order) for order in CASELOAD_ORDERS.values()]
    assert len(set(orders)) == len(orders)  # each sort is told apart from every other


@pytest.mark.parametrize(
    ("sort", "shown_as", "expected"),
    [(sort, sort, order) for sort, order in CASELOAD_ORDERS.items()]
    + [("nonsense", "name", CASELOAD_ORDERS["name"]), ("", "name", CASELOAD_ORDERS["name"])],
)
def test_caseload_sorts_in_the_order_asked_for(
    signed_in, four_on_the_caseload, sort, shown_as, expected
):
    response = signed_in.get(reverse("clinic:caseload"), {"sort": sort})

    assert response.status_code == 200
    assert response.context["sort"] == shown_as
    assert [p.display_name for p in response.context["page"]] == expected
    rows = re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a>', response.content.decode())
    assert rows == expected


def test_the_caseload_columns_behind_the_sorts(signed_in, four_on_the_caseload):
    rows = {p.display_name: p for p in signed_in.get(reverse("clinic:caseload")).context["page"]}

    assert {name: p.own_priorities for name, p in rows.items()} == {
        "Ann A.": False,
        "Ben B.": True,
        "Cat C.": True,
        "Dan D.": False,
    }
    assert {
        name: (p.new_ratings, p.agenda_waiting, p.new_context, p.changed)
        for name, p in rows.items()
    } == {
        "Ann A.": (False, False, False, False),
        "Ben B.": (False, True, False, True),
        "Cat C.": (False, False, False, False),
        "Dan D.": (False, False, True, True),
    }
    assert rows["Ben B."].last_encounter is None
    assert rows["Ann A."].next_appointment is None
    assert rows["Cat C."].next_appointment is None


def test_caseload_query_count_does_not_grow_with_the_caseload(
    signed_in, team, django_assert_max_num_queries
):
    def count_queries(n):
        for _ in range(n):
            person = PatientFactory(teams=[team])
            rating_record(patient=person, element="H1", value=5, rated_on=DAY, rater="patient")
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            signed_in.get(reverse("clinic:caseload"), {"sort": "changed"})
        return len(queries)

    assert count_queries(3) == count_queries(22)
    with django_assert_max_num_queries(12):
        signed_in.get(reverse("clinic:caseload"))


@pytest.mark.parametrize("who", ["patient", "manager"])
def test_caseload_is_refused_to_other_roles(client, who, patient, manager):
    client.force_login(patient.user if who == "patient" else manager)
    assert client.get(reverse("clinic:caseload")).status_code == 403


def test_caseload_sends_a_visitor_to_sign_in(client):
    response = client.get(reverse("clinic:caseload"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- Record --------------------------------------------------------------------------------


@pytest.fixture
def rich_patient(patient, clinician):
    item = personal_item_create(patient=patient, label="Singing in the choir", domain="H")
    priorities_set(patient=patient, effective_from=DAY, points={item.key: 60, "M2": 40})
    rating_record(patient=patient, element=item.key, value=8, rated_on=DAY, rater="patient")
    rating_record(
        patient=patient,
        element="H2",
        value=3,
        rated_on=DAY,
        rater="clinician",
        entered_by=clinician,
    )
    goal = goal_create(
        patient=patient, description="Walk to the shops", domain="H", baseline_on=DAY
    )
    from assessments.services import goal_review_record

    goal_review_record(goal=goal, attainment=1, reviewed_on=DAY)
    target_set(patient=patient, loinc="59261-8", low=48, high=58)
    target_set(patient=patient, loinc="29463-7", relevant=False, reason="Losing weight unwillingly")
    reading_record(patient=patient, loinc="59261-8", value=61, unit="mmol/mol", taken_on=DAY)
    context_event_record(patient=patient, kind="bereavement", occurred_on=DAY)
    agenda_write(patient=patient, hard="Sleeping since my husband died")
    encounter_record(
        patient=patient,
        clinician=clinician,
        mode="video",
        initiated_by="patient",
        duration_minutes=20,
        note="Low mood discussed.",
        occurred_at=dt.datetime(2026, 2, 10, 9, tzinfo=dt.UTC),
    )
    from indicators.services import patient_summaries_compute

    patient_summaries_compute(lo=patient.pk, hi=patient.pk)
    return patient


def test_record_shows_the_person_first_then_the_picture_over_time(signed_in, rich_patient):
    response = signed_in.get(reverse("clinic:patient", args=[rich_patient.pk]))
    html = response.content.decode()
    record = response.context["record"]

    assert response.status_code == 200
    title = html[html.index("<title>") + 7 : html.index("</title>")]
    assert title == f"{rich_patient.display_name} · SSM Outcomes"
    assert html.count('id="portal-heading"') == 1  # the invitation form is on the page once
    assert html.index("What matters to them") < html.index("The three domains over time")
    assert "Singing in the choir" in html
    assert "60%" in html
    assert "Sleeping since my husband died" in html
    assert "a bit more than expected (+1)" in html
    assert "Not relevant for this person</strong>: Losing weight unwillingly" in html
    assert "No: outside the agreed range" in html
    assert "Bereavement" in html
    assert "Low mood discussed." in html
    h = next(d for d in record.domains if d.code == "H")
    assert h.rows == [{"period": "2026Q1", "patient": pytest.approx(80.0), "clinician": 30.0}]


def test_every_view_of_a_record_is_audited(signed_in, patient, clinician):
    signed_in.get(reverse("clinic:patient", args=[patient.pk]))
    event = AuditEvent.objects.get()
    assert (event.actor, event.actor_role, event.patient, event.action, event.what) == (
        clinician,
        "clinician",
        patient,
        "view",
        "patient record",
    )


def test_a_patient_of_another_team_is_not_found(signed_in, other_patient):
    for name in ("clinic:patient", "clinic:encounter-new", "clinic:records"):
        assert signed_in.get(reverse(name, args=[other_patient.pk])).status_code == 404


def test_the_record_query_count_does_not_grow_with_the_history(signed_in, rich_patient, clinician):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("clinic:patient", args=[rich_patient.pk])
    with CaptureQueriesContext(connection) as before:
        signed_in.get(url)
    for day in range(1, 20):
        rating_record(
            patient=rich_patient,
            element="R1",
            value=day % 10,
            rated_on=dt.date(2025, 1, day),
            rater="patient",
        )
        encounter_record(
            patient=rich_patient,
            clinician=clinician,
            mode="phone",
            initiated_by="service",
            duration_minutes=5,
            occurred_at=dt.datetime(2025, 1, day, 9, tzinfo=dt.UTC),
        )
    with CaptureQueriesContext(connection) as after:
        signed_in.get(url)
    assert len(after) == len(before)
    # A statement a part of the record: the clinicians named with the encounters and the
    # appointments, the elements with the points on them, the patient's login with the patient.
    assert len(before) <= RECORD_QUERIES, "\n".join(q["sql"][:90] for q in before)


# Session, user, patient, audit row; domains; priorities, their points; summaries; ratings;
# agendas; appointments; targets; readings; their markers; instruments; personal items; goals,
# their reviews; life events; encounters; conditions, their codes; teams.
RECORD_QUERIES = 23


# --- Logging an encounter ------------------------------------------------------------------


def test_an_encounter_with_ratings_reading_and_goal_review_saves_together(
    signed_in, patient, django_capture_on_commit_callbacks
):
    url = reverse("clinic:encounter-new", args=[patient.pk])
    with django_capture_on_commit_callbacks(execute=True):
        goal = goal_create(patient=patient, description="Walk daily", domain="H", baseline_on=DAY)
        response = signed_in.post(
            url,
            encounter_post(
                **{
                    "proxy_H1": "7",
                    "own_H1": "5",
                    "reading_59261-8": "52",
                    f"review_{goal.pk}": "1",
                    "strategies": ["goal_setting", "problem_solving"],
                }
            ),
        )

    assert response.status_code == 302
    encounter = Encounter.objects.get(patient=patient)
    assert encounter.strategies == ["goal_setting", "problem_solving"]
    assert sorted(Rating.objects.values_list("rater", "value", "encounter")) == [
        ("clinician", 5, encounter.pk),
        ("proxy", 7, encounter.pk),
    ]
    assert Reading.objects.get().value == 52
    assert GoalReview.objects.get().attainment == 1
    summary = PatientSummary.objects.get(patient=patient)
    assert summary.index == pytest.approx(70.0)
    assert summary.perspective_gap == pytest.approx(2.0)


def test_a_bad_rating_keeps_everything_typed_and_says_what_to_fix(signed_in, patient):
    url = reverse("clinic:encounter-new", args=[patient.pk])
    response = signed_in.post(url, encounter_post(proxy_H1="12", own_H2="4", note="Keep me"))

    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["proxy_H1"] == [
        "“Patient's answer: My test results are in the range we agreed” must be from 0 to 10."
    ]
    html = response.content.decode()
    assert 'value="12"' in html
    assert 'value="4"' in html
    assert "Keep me" in html
    assert 'aria-invalid="true"' in html
    assert not Encounter.objects.exists()
    assert not Rating.objects.exists()


def test_a_service_rule_broken_late_saves_nothing_and_points_at_the_field(signed_in, patient):
    url = reverse("clinic:encounter-new", args=[patient.pk])
    response = signed_in.post(url, encounter_post(**{"proxy_H1": "6", "reading_59261-8": "900"}))

    assert response.status_code == 400
    assert response.context["form"].errors["reading_59261-8"] == [
        "“HbA1c (IFCC) (mmol/mol)” must be between 20.00 and 200.00 mmol/mol."
    ]
    assert not Encounter.objects.exists()
    assert not Rating.objects.exists()


def test_an_encounter_can_add_a_goal_target_event_and_next_appointment(signed_in, patient):
    soon = (timezone.localtime() + dt.timedelta(days=14)).strftime("%Y-%m-%dT%H:%M")
    response = signed_in.post(
        reverse("clinic:encounter-new", args=[patient.pk]),
        encounter_post(
            goal_description="Dance at my granddaughter's wedding",
            goal_domain="H",
            goal_importance="3",
            goal_difficulty="2",
            target_loinc="8480-6",
            target_high="140",
            target_relevant="on",
            context_kind="new_job",
            next_appointment=soon,
        ),
    )
    assert response.status_code == 302
    assert patient.goals.get().description == "Dance at my granddaughter's wedding"
    assert PersonalTarget.objects.get(patient=patient).high == 140
    assert patient.context_events.get().kind == "new_job"
    assert patient.appointments.count() == 1


def test_a_life_event_logged_with_an_encounter_can_be_kept_from_the_patient(
    signed_in, client, patient
):
    """As on the supporting records page: the box starts ticked, and unticked the event and its
    details stay with the care team."""
    url = reverse("clinic:encounter-new", args=[patient.pk])
    form = signed_in.get(url).content.decode()
    box = re.search(r'<input[^>]*name="context_visible_to_patient"[^>]*>', form).group(0)
    assert "checked" in box
    assert "The patient can see this in their portal" in form

    staff_only = encounter_post(
        context_kind="bereavement", context_note="Private detail for the team"
    )
    del staff_only["context_visible_to_patient"]  # unticked: a browser leaves the box out
    assert signed_in.post(url, staff_only).status_code == 302
    assert signed_in.post(url, encounter_post(context_kind="new_job")).status_code == 302

    kept, shared = patient.context_events.order_by("kind")
    assert (kept.kind, kept.visible_to_patient) == ("bereavement", False)
    assert (shared.kind, shared.visible_to_patient) == ("new_job", True)
    client.force_login(patient.user)
    seen = client.get(reverse("api-context-events", args=[patient.pk])).json()
    assert [event["kind"] for event in seen["results"]] == ["new_job"]
    assert "Private detail" not in client.get(reverse("portal:progress")).content.decode()


def test_an_empty_submission_is_refused_naming_every_required_box(clinician, patient):
    """An empty body (the CSRF token in its header) is a submission with nothing filled in,
    not a form never sent: 400 with each required box's message, as for any other gap."""
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(clinician)
    url = reverse("clinic:encounter-new", args=[patient.pk])
    client.get(url)

    response = client.post(
        url,
        "",
        content_type="application/x-www-form-urlencoded",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"occurred_at", "mode", "initiated_by", "duration_minutes"} <= set(errors)
    html = response.content.decode()
    for name in ("occurred_at", "mode", "initiated_by", "duration_minutes"):
        assert all(html_escape(message) in html for message in errors[name]), name
    assert not Encounter.objects.exists()


def test_a_new_goal_without_a_domain_is_refused_next_to_the_domain(signed_in, patient):
    response = signed_in.post(
        reverse("clinic:encounter-new", args=[patient.pk]),
        encounter_post(goal_description="Sleep better"),
    )
    assert response.status_code == 400
    assert response.context["form"].errors["goal_domain"] == ["Choose the domain of the new goal."]
    assert not Encounter.objects.exists()


def in_a_fortnight(hour: int = 10) -> dt.datetime:
    day = timezone.localtime() + dt.timedelta(days=14)
    return day.replace(hour=hour, minute=0, second=0, microsecond=0)


def typed(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def all_messages(response) -> list[str]:
    return [m for ms in response.context["form"].errors.values() for m in ms]


def test_a_half_filled_new_goal_is_refused_in_its_section_not_dropped(signed_in, patient):
    response = signed_in.post(
        reverse("clinic:encounter-new", args=[patient.pk]),
        encounter_post(
            goal_expected_outcome="Walks to the shop", goal_domain="H", goal_importance="3"
        ),
    )

    assert response.status_code == 400
    assert response.context["form"].errors["goal_description"] == [
        "Write the new goal in the patient's words, or clear the new goal's boxes."
    ]
    assert "Walks to the shop" in response.content.decode()
    assert not Encounter.objects.exists()


@pytest.mark.parametrize(
    ("typed_in", "field", "message"),
    [
        ({"target_high": "140"}, "target_loinc", "Choose the marker this target is for."),
        ({"target_relevant": ""}, "target_loinc", "Choose the marker this target is for."),
        (
            {"target_loinc": "29463-7", "target_relevant": ""},
            "target_reason",
            "Say why this marker does not matter for this person.",
        ),
        (
            {"context_note": "Moved house"},
            "context_kind",
            "Choose what happened, or clear its boxes.",
        ),
    ],
)
def test_any_section_with_something_typed_is_saved_whole_or_refused(
    signed_in, patient, typed_in, field, message
):
    response = signed_in.post(
        reverse("clinic:encounter-new", args=[patient.pk]), encounter_post(**typed_in)
    )

    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert not Encounter.objects.exists()


def test_every_problem_of_a_submission_is_shown_at_once_in_the_pages_words(signed_in, patient):
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = signed_in.post(
        reverse("clinic:encounter-new", args=[patient.pk]),
        encounter_post(
            duration_minutes="0",
            proxy_H1="12",
            **{"reading_59261-8": "900"},
            context_kind="new_job",
            context_occurred_on=tomorrow,
            next_appointment=typed(timezone.now() - dt.timedelta(days=2)),
            goal_expected_outcome="Walks to the shop",
        ),
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["duration_minutes"] == ["“Duration (minutes)” must be from 1 to 480."]
    assert errors["proxy_H1"] == [
        "“Patient's answer: My test results are in the range we agreed” must be from 0 to 10."
    ]
    assert errors["reading_59261-8"] == [
        "“HbA1c (IFCC) (mmol/mol)” must be between 20.00 and 200.00 mmol/mol."
    ]
    assert errors["context_occurred_on"] == ["“When it happened” must not be in the future."]
    assert errors["next_appointment"] == [
        "“Next appointment (the patient is reminded to write their agenda)” must be in the future."
    ]
    assert errors["goal_description"] == [
        "Write the new goal in the patient's words, or clear the new goal's boxes."
    ]
    summary = response.content.decode().split('id="error-summary"')[1].split("</div>")[0]
    assert "please fix 7 things" in summary
    for message in all_messages(response):
        assert message.replace("'", "&#x27;") in summary
    assert not Encounter.objects.exists()
    assert not Rating.objects.exists()
    assert not patient.appointments.exists()


def test_no_message_shows_an_internal_name_or_a_framework_default(signed_in, patient):
    response = signed_in.post(
        reverse("clinic:encounter-new", args=[patient.pk]),
        {
            "occurred_at": typed(timezone.now() + dt.timedelta(days=3)),
            "mode": "telepathy",
            "duration_minutes": "lots",
            "context_kind": "other",
            "context_occurred_on": "1850-01-01",
            "next_appointment": "soon",
            "target_relevant": "on",
        },
    )

    messages = all_messages(response)
    assert len(messages) >= 5
    for message in messages:
        for internal in ("occurred_at", "occurred_on", "starts_at", "initiated_by", "Ensure "):
            assert internal not in message
        assert "This field is required." not in message
        assert message.endswith(".")
    assert "Choose one for “Who asked for this contact”." in messages


def test_each_problem_listed_links_to_its_field_radio_groups_included(signed_in, patient):
    response = signed_in.post(
        reverse("clinic:encounter-new", args=[patient.pk]), {"duration_minutes": "lots"}
    )

    html = response.content.decode()
    summary = html.split('id="error-summary"')[1].split("</div>")[0]
    targets = re.findall(r'<a href="#([^"]+)">', summary)
    assert {"id_mode_0", "id_initiated_by_0", "id_duration_minutes"} <= set(targets)
    assert summary.count("<li><a") == len(targets)  # no link without a target
    for target in targets:
        assert f'id="{target}"' in html


def test_typing_the_appointment_already_booked_confirms_it(signed_in, patient, clinician):
    booked = AppointmentFactory(patient=patient, clinician=clinician, starts_at=in_a_fortnight())

    response = signed_in.post(
        reverse("clinic:encounter-new", args=[patient.pk]),
        encounter_post(next_appointment=typed(booked.starts_at)),
        follow=True,
    )

    assert Encounter.objects.filter(patient=patient).count() == 1
    assert list(patient.appointments.all()) == [booked]
    when = appointment_time(booked.starts_at)
    assert f"Next appointment confirmed: {when} with {clinician}." in response.content.decode()


def test_a_clash_with_another_appointment_still_saves_the_encounter_and_says_why(
    signed_in, patient, clinician
):
    other = PatientFactory(display_name="Olga O.")
    AppointmentFactory(patient=other, clinician=clinician, starts_at=in_a_fortnight())

    response = signed_in.post(
        reverse("clinic:encounter-new", args=[patient.pk]),
        encounter_post(next_appointment=typed(in_a_fortnight())),
        follow=True,
    )

    html = response.content.decode()
    assert Encounter.objects.filter(patient=patient).count() == 1
    assert not patient.appointments.exists()
    assert "The next appointment was not booked." in html
    assert f"{appointment_time(in_a_fortnight())} is taken: {clinician} already sees" in html
    assert "Olga" not in html  # another patient is never named


def test_the_record_lists_every_upcoming_appointment_and_says_what_was_booked(
    signed_in, patient, clinician
):
    AppointmentFactory(patient=patient, clinician=clinician, starts_at=in_a_fortnight(9))

    response = signed_in.post(
        reverse("clinic:encounter-new", args=[patient.pk]),
        encounter_post(next_appointment=typed(in_a_fortnight(15))),
        follow=True,
    )

    html = response.content.decode()
    assert (
        f"Next appointment booked: {appointment_time(in_a_fortnight(15))} with {clinician}." in html
    )
    upcoming = html.split('id="appointments"')[1].split("</section>")[0]
    assert upcoming.count("<li>") == 2
    assert upcoming.index(":00</strong>") < upcoming.rindex(":00</strong>")


def test_an_appointment_is_booked_from_the_record_and_a_clash_is_said_beside_the_field(
    signed_in, patient, clinician
):
    url = reverse("clinic:appointment-new", args=[patient.pk])
    ok = signed_in.post(url, {"appointment-starts_at": typed(in_a_fortnight())}, follow=True)
    assert f"Booked: {appointment_time(in_a_fortnight())}" in ok.content.decode()

    other = PatientFactory(display_name="Olga O.")
    AppointmentFactory(patient=other, clinician=clinician, starts_at=in_a_fortnight(11))
    clash = signed_in.post(url, {"appointment-starts_at": typed(in_a_fortnight(11))})

    assert clash.status_code == 400
    summary = clash.content.decode().split('id="error-summary"')[1].split("</div>")[0]
    assert '<a href="#id_appointment-starts_at">' in summary  # announced at the top, linked
    assert clash.context["appointment_form"].errors["starts_at"] == [
        f"{appointment_time(in_a_fortnight(11))} is taken: {clinician} already sees "
        "another patient then."
    ]
    assert patient.appointments.count() == 1


@pytest.mark.parametrize("day", ["15/12/2030", "2030-12-15", "15 December 2030"])
def test_an_appointment_given_a_date_without_a_time_is_refused_not_booked_at_midnight(
    signed_in, patient, day
):
    record = signed_in.post(
        reverse("clinic:appointment-new", args=[patient.pk]), {"appointment-starts_at": day}
    )
    encounter = signed_in.post(
        reverse("clinic:encounter-new", args=[patient.pk]),
        encounter_post(next_appointment=day, occurred_at=day),
    )

    assert (record.status_code, encounter.status_code) == (400, 400)
    assert record.context["appointment_form"].errors["starts_at"] == [
        "“Date and time of the appointment” must be a date and a time."
    ]
    errors = encounter.context["form"].errors
    assert errors["next_appointment"] == [
        "“Next appointment (the patient is reminded to write their agenda)” must be a date "
        "and a time."
    ]
    assert errors["occurred_at"] == ["“Date and time” must be a date and a time."]
    assert not patient.appointments.exists()
    assert not Encounter.objects.exists()


# --- Supporting records ------------------------------------------------------------------------


def test_a_clinician_changes_a_stage_within_its_scale(signed_in, patient):
    from patients.services import condition_record

    condition = condition_record(patient=patient, snomed_code="49049000", stage=2)
    url = reverse("clinic:condition-change", args=[patient.pk, condition.pk])
    prefix = f"condition-{condition.pk}"

    ok = signed_in.post(url, {f"{prefix}-snomed_code": "49049000", f"{prefix}-stage": "2.5"})
    bad = signed_in.post(url, {f"{prefix}-snomed_code": "49049000", f"{prefix}-stage": "7"})

    assert ok.status_code == 302
    assert bad.status_code == 400
    assert (
        "“Stage (where the condition is staged)” must be between 1.0 and 5.0 (Hoehn and Yahr)."
        in bad.content.decode()
    )
    condition.refresh_from_db()
    assert condition.stage == 2.5


def test_marking_a_marker_not_relevant_needs_a_reason(signed_in, patient):
    url = reverse("clinic:target-change", args=[patient.pk, "29463-7"])
    bad = signed_in.post(url, {"target-29463-7-relevant": ""})
    assert bad.status_code == 400
    assert "Say why this marker does not matter for this person." in bad.content.decode()

    ok = signed_in.post(url, {"target-29463-7-reason": "Weight loss is not wanted"})
    assert ok.status_code == 302
    target = PersonalTarget.objects.get(patient=patient)
    assert (target.relevant, target.reason) == (False, "Weight loss is not wanted")


def test_supporting_record_forms_of_another_teams_patient_are_not_found(signed_in, other_patient):
    url = reverse("clinic:context-event-add", args=[other_patient.pk])
    assert signed_in.post(url, {"new-event-kind": "other"}).status_code == 404


@pytest.mark.parametrize("who", ["manager", "patient", "other_patient"])
def test_a_patient_record_does_not_exist_for_other_roles(
    client, who, manager, patient, other_patient
):
    user = {"manager": manager, "patient": patient.user, "other_patient": other_patient.user}[who]
    client.force_login(user)
    for name in ("clinic:patient", "clinic:encounter-new", "clinic:records"):
        assert client.get(reverse(name, args=[patient.pk])).status_code == 404


def test_a_patient_with_rated_personal_items_can_be_deleted(patient):
    item = personal_item_create(patient=patient, label="Gardening", domain="H")
    priorities_set(patient=patient, effective_from=DAY, points={item.key: 10})
    rating_record(patient=patient, element=item.key, value=6, rated_on=DAY, rater="patient")
    patient.delete()
    assert not Rating.objects.exists()


def test_a_framework_element_with_ratings_cannot_be_deleted(patient):
    from django.db.models import RestrictedError

    from assessments.models import Element

    rating_record(patient=patient, element="H1", value=6, rated_on=DAY, rater="patient")
    with pytest.raises(RestrictedError):
        Element.objects.get(code="H1").delete()


def test_readings_and_targets_show_no_padding_zeros(signed_in, patient):
    reading_record(patient=patient, loinc="8480-6", value="87.00", unit="mm[Hg]", taken_on=DAY)
    reading_record(patient=patient, loinc="59261-8", value="52.50", unit="mmol/mol", taken_on=DAY)
    target_set(patient=patient, loinc="8480-6", low="120.00", high="140")

    html = signed_in.get(reverse("clinic:patient", args=[patient.pk])).content.decode()

    assert "87 on 10 Feb 2026" in html
    assert "52.5 on 10 Feb 2026" in html
    assert "120 to 140" in html
    assert ".00" not in html
