"""A patient with some of everything their record shows, for tests of the pages built from it."""

import datetime as dt

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
    PersonalTargetFactory,
    RatingFactory,
    ReadingFactory,
    UserFactory,
    framework_element,
    marker,
)

CLINICIANS = ("Ada", "Ben", "Cai")
CONDITIONS = ("44054006", "49049000", "38341003")
MARKERS = ("59261-8", "8480-6", "39156-5")


def record_fill(patient, clinicians, how_many: int) -> None:
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
        appointment_with_agenda(patient, clinician, 3 + 7 * n)
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


def clinicians_of(team) -> list:
    """A clinician of ``team`` for each name of ``CLINICIANS``."""
    made = [
        UserFactory(username=f"nurse-{name}", first_name=name, role=User.Role.CLINICIAN)
        for name in CLINICIANS
    ]
    for each in made:
        MembershipFactory(user=each, team=team, role=Membership.Role.CLINICIAN)
    return made


def appointment_with_agenda(patient, clinician, days: int) -> None:
    appointment = AppointmentFactory(
        patient=patient, clinician=clinician, starts_at=timezone.now() + dt.timedelta(days=days)
    )
    Agenda.objects.create(patient=patient, appointment=appointment, going_well="Walking more")
