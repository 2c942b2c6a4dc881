"""The record page reads a patient's record in a fixed number of queries, however many upcoming
appointments (each with its agenda or not), screens and ratings the patient has."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.responses import response_record
from assessments.services import (
    goal_create,
    goal_review_record,
    personal_item_create,
    priorities_set,
)
from patients.models import Agenda, Membership, User
from patients.services import condition_record, context_event_record, encounter_record
from tests.factories import (
    AppointmentFactory,
    MembershipFactory,
    PatientFactory,
    PersonalTargetFactory,
    RatingFactory,
    ReadingFactory,
    UserFactory,
    framework_element,
    marker,
)

pytestmark = pytest.mark.django_db


def _record_queries(client, patient) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/clinic/patients/{patient.pk}/")
    assert response.status_code == 200
    return len(queries.captured_queries), response.content.decode()


def _appointment_with_agenda(patient, clinician, days: int) -> None:
    appointment = AppointmentFactory(
        patient=patient, clinician=clinician, starts_at=timezone.now() + dt.timedelta(days=days)
    )
    Agenda.objects.create(patient=patient, appointment=appointment, going_well="Walking more")


def test_more_appointments_with_agendas_do_not_add_queries(client, clinician, patient):
    client.force_login(clinician)
    _appointment_with_agenda(patient, clinician, 3)
    client.get(f"/clinic/patients/{patient.pk}/")  # the first view of the day writes more
    one, page = _record_queries(client, patient)
    assert page.count("agenda written") == 1
    for days in (10, 17, 24):
        _appointment_with_agenda(patient, clinician, days)
    four, page = _record_queries(client, patient)
    assert page.count("agenda written") == 4
    assert four == one


# --- Every page built from the record reads it in the same number of queries, however much ---

PAGES = {
    "record": "clinic:patient",
    "encounter form": "clinic:encounter-new",
    "records to edit": "clinic:records",
    "consultation summary": "clinic:consultation-summary",
}
CLINICIANS = ("Ada", "Ben", "Cai")
CONDITIONS = ("44054006", "49049000", "38341003")
MARKERS = ("59261-8", "8480-6", "39156-5")


def _fill(patient, clinicians, how_many: int) -> None:
    """``how_many`` of everything the record shows, each by a clinician of its own where it has
    one: encounters, appointments with agendas, goals reviewed twice, markers with a target and
    readings, conditions, life events, personal items in the priorities, ratings in two quarters
    by the patient, a proxy and the clinician, and questionnaire answers."""
    today = timezone.localdate()
    points: dict[str, int] = {}
    for n, clinician in enumerate(clinicians[:how_many]):
        encounter_record(
            patient=patient,
            clinician=clinician,
            occurred_at=timezone.now() - dt.timedelta(days=n + 1),
            mode="face_to_face",
            initiated_by="service",
            duration_minutes=15,
            strategies=["information"],
            note=f"Note {n}",
        )
        _appointment_with_agenda(patient, clinician, 3 + 7 * n)
        goal = goal_create(
            patient=patient,
            description=f"Goal {n}",
            domain="H",
            baseline_on=today - dt.timedelta(days=60),
        )
        for days, attainment in ((40, -1), (10, 0)):
            goal_review_record(
                goal=goal, attainment=attainment, reviewed_on=today - dt.timedelta(days=days)
            )
        PersonalTargetFactory(patient=patient, marker=marker(MARKERS[n]), low=1, high=500)
        for days in (5, 100):
            ReadingFactory(
                patient=patient,
                marker=marker(MARKERS[n]),
                value=100 + n,
                taken_on=today - dt.timedelta(days=days),
            )
        condition_record(patient=patient, snomed_code=CONDITIONS[n])
        context_event_record(
            patient=patient,
            kind="admission",
            occurred_on=today - dt.timedelta(days=n + 2),
        )
        item = personal_item_create(patient=patient, label=f"Item {n}", domain="H")
        points[item.key] = 10
        for rater in ("patient", "proxy", "clinician"):
            for days in (0, 100):
                RatingFactory(
                    patient=patient,
                    element=item if rater != "clinician" else framework_element("H1"),
                    rater=rater,
                    value=4 + n,
                    rated_on=today - dt.timedelta(days=days),
                )
        response_record(
            patient=patient,
            instrument="PHQ2",
            answers={"1": n, "2": 1},
            completed_on=today - dt.timedelta(days=n),
            rater="patient",
        )
    points["H1"] = 100 - sum(points.values())
    priorities_set(patient=patient, effective_from=today - dt.timedelta(days=1), points=points)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_built_from_the_record_reads_three_of_everything_as_it_reads_one(
    client, clinician, team, page
):
    """A query per encounter, goal, marker, condition or clinician named would show here."""
    clinicians = [
        UserFactory(username=f"nurse-{name}", first_name=name, role=User.Role.CLINICIAN)
        for name in CLINICIANS
    ]
    for each in clinicians:
        MembershipFactory(user=each, team=team, role=Membership.Role.CLINICIAN)
    one, three = PatientFactory(teams=[team]), PatientFactory(teams=[team])
    _fill(one, clinicians, 1)
    _fill(three, clinicians, 3)
    client.force_login(clinician)
    counts, pages = [], []
    for patient in (one, three):
        url = reverse(PAGES[page], args=[patient.pk])
        client.get(url)  # the first view of the day writes more
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(queries.captured_queries))
        pages.append(response.content.decode())
    assert counts[0] == counts[1], "\n".join(q["sql"][:300] for q in queries.captured_queries)
    # The page read the three of each it was given.
    shown = {
        "record": ["Ada", "Ben", "Cai", "Goal 2", "Item 2", "Note 2"],
        "encounter form": ["Goal 2"],
        "records to edit": ["Goal 2"],
        "consultation summary": ["Goal 2"],
    }[page]
    for text in shown:
        assert text in pages[1], text
