"""One patient's record read in short hand-written statements, for the record page and the pages
built from it (the encounter form, the records to edit, the consultation summary).

Why not the ORM: the record page is the page clinicians open most, and composing its sixteen ORM
queries (select_related and prefetches over wide tables) cost more than running them. Each read
here is one plain statement, the same on PostgreSQL and SQLite, through ``Model.objects.raw`` so
values come back converted as the ORM converts them; related objects the pages show (an
encounter's clinician, a reading's marker, a condition's code, an element's domain) are read once
each and attached to the objects, so no page reads them again one by one. A test opens every page
built from the record with one and with three of everything and counts the same queries
(``tests/clinic/test_record_queries.py``).

Every statement but the domains' (the framework, the same for everyone) names the patient, so
nothing of another patient can come back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TypeVar

from django.db import connection, models

from assessments.models import (
    Domain,
    Element,
    Goal,
    GoalReview,
    InstrumentResponse,
    Marker,
    PersonalTarget,
    PrioritySet,
    Reading,
)
from indicators.models import PatientSummary
from patients.models import (
    Agenda,
    Appointment,
    Condition,
    ConditionCode,
    ContextEvent,
    Encounter,
    Team,
    User,
)

M = TypeVar("M", bound=models.Model)

# What the pages show of a clinician: their name (``str(user)``), read beside the row naming them
# as clinician_id, clinician_username, clinician_first_name and clinician_last_name.
_CLINICIAN_FIELDS = frozenset({"id", "username", "first_name", "last_name"})


def _raw(model: type[M], sql: str, params: Sequence) -> list[M]:
    return list(model._default_manager.raw(sql, params))


def _of_patient(model: type[M], patient_id: int, order_by: str = "") -> list[M]:
    """Every row of ``model``'s table that is the patient's (its ``patient_id``), in the order
    ``order_by`` names (columns of the table, written as in SQL)."""
    table = connection.ops.quote_name(model._meta.db_table)
    order = f" ORDER BY {order_by}" if order_by else ""
    return _raw(model, f"SELECT * FROM {table} WHERE patient_id = %s{order}", [patient_id])  # noqa: S608 - names only


def _attach(objects: Iterable[M], model: type[M], name: str, related: dict) -> None:
    """Give each object its related ``name`` from ``related`` (by id), as select_related would."""
    field = model._meta.get_field(name)
    for obj in objects:
        field.set_cached_value(obj, related.get(getattr(obj, field.attname)))  # type: ignore[union-attr]


def _with_clinician(rows: list[M]) -> list[M]:
    """Each row's ``clinician`` (always there: a login with encounters or appointments is never
    deleted), built from the columns read beside it (``_CLINICIAN_FIELDS``, each prefixed
    ``clinician_``); the login's other fields are left unread."""
    # In the order of the model's fields, which is how ``Model.from_db`` takes them.
    names = [f.attname for f in User._meta.concrete_fields if f.attname in _CLINICIAN_FIELDS]
    if not rows:
        return rows
    field = rows[0]._meta.get_field("clinician")
    for row in rows:
        values = row.__dict__
        clinician = User.from_db(
            connection.alias, names, [values[f"clinician_{name}"] for name in names]
        )
        field.set_cached_value(row, clinician)  # type: ignore[union-attr]
    return rows


def domains() -> list[Domain]:
    return _raw(Domain, 'SELECT * FROM assessments_domain ORDER BY "order", code', [])


def priorities(
    patient_id: int, today: dt.date, domains_by_code: dict[str, Domain]
) -> tuple[PrioritySet | None, list[tuple[Element, int]]]:
    """The priority set in effect ``today`` and its points, each with its element, in the
    framework's order."""
    found = _raw(
        PrioritySet,
        "SELECT * FROM assessments_priorityset WHERE patient_id = %s AND effective_from <= %s "
        "ORDER BY effective_from DESC, id DESC LIMIT 1",
        [patient_id, connection.ops.adapt_datefield_value(today)],
    )
    if not found:
        return None, []
    elements = _raw(
        Element,
        "SELECT e.*, pp.points AS share_points FROM assessments_prioritypoint pp "
        "JOIN assessments_element e ON e.id = pp.element_id "
        "JOIN assessments_domain d ON d.code = e.domain_id "
        'WHERE pp.priority_set_id = %s ORDER BY d."order", e."order", pp.element_id',
        [found[0].pk],
    )
    _attach(elements, Element, "domain", domains_by_code)
    return found[0], [(e, e.share_points) for e in elements]  # type: ignore[attr-defined]


def goals(patient_id: int) -> list[Goal]:
    """The patient's goals, open first and newest first, each with ``latest_review``."""
    found = _of_patient(Goal, patient_id, "active DESC, baseline_on DESC, id DESC")
    by_id = {goal.pk: goal for goal in found}
    latest: dict[int, GoalReview] = {}
    for review in _raw(
        GoalReview,
        "SELECT r.* FROM assessments_goalreview r JOIN assessments_goal g ON g.id = r.goal_id "
        "WHERE g.patient_id = %s ORDER BY r.reviewed_on, r.id",
        [patient_id],
    ):
        latest[review.goal_id] = review  # oldest first: the last one read is the latest
    _attach(latest.values(), GoalReview, "goal", by_id)
    for goal in found:
        goal.latest_review = latest.get(goal.pk)  # type: ignore[attr-defined]
    return found


def summaries(patient_id: int) -> list[PatientSummary]:
    return _of_patient(PatientSummary, patient_id, "period")


def clinician_and_proxy_ratings(patient_id: int) -> list[tuple[str, dt.date, str, int]]:
    """(rater, rated on, domain code, value) of each rating a clinician or a proxy gave."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT r.rater, r.rated_on, e.domain_id, r.value FROM assessments_rating r "
            "JOIN assessments_element e ON e.id = r.element_id "
            "WHERE r.patient_id = %s AND r.rater IN ('clinician', 'proxy')",
            [patient_id],
        )
        return cursor.fetchall()  # a date column comes back a date from both databases


def agendas(patient_id: int) -> list[Agenda]:
    """Every agenda the patient wrote, newest first."""
    return _of_patient(Agenda, patient_id, "created_at DESC, id DESC")


def upcoming_appointments(
    patient_id: int, now: dt.datetime, agendas_written: list[Agenda]
) -> list[Appointment]:
    """Appointments still to come, soonest first, each with its clinician and its agenda."""
    found = _with_clinician(
        _raw(
            Appointment,
            "SELECT a.*, u.username AS clinician_username, u.first_name AS clinician_first_name, "
            "u.last_name AS clinician_last_name FROM patients_appointment a "
            "JOIN patients_user u ON u.id = a.clinician_id "
            "WHERE a.patient_id = %s AND a.starts_at >= %s ORDER BY a.starts_at, a.id",
            [patient_id, connection.ops.adapt_datetimefield_value(now)],
        )
    )
    by_appointment = {a.appointment_id: a for a in agendas_written if a.appointment_id}
    agenda = Agenda._meta.get_field("appointment").remote_field
    for appointment in found:
        agenda.set_cached_value(appointment, by_appointment.get(appointment.pk))
    return found


def markers_read(patient_id: int) -> tuple[list[PersonalTarget], list[Reading]]:
    """The patient's personal targets and readings (newest first), each with its marker."""
    targets = _of_patient(PersonalTarget, patient_id)
    readings = _of_patient(Reading, patient_id, "taken_on DESC, id DESC")
    markers: dict[int, Marker] = {}
    if targets or readings:
        markers = {
            m.pk: m
            for m in _raw(
                Marker,
                "SELECT * FROM assessments_marker WHERE id IN "
                "(SELECT marker_id FROM assessments_personaltarget WHERE patient_id = %s "
                "UNION SELECT marker_id FROM assessments_reading WHERE patient_id = %s)",
                [patient_id, patient_id],
            )
        }
    _attach(targets, PersonalTarget, "marker", markers)
    _attach(readings, Reading, "marker", markers)
    return targets, readings


def responses(patient_id: int) -> list[InstrumentResponse]:
    """Every questionnaire response, oldest first."""
    return _of_patient(InstrumentResponse, patient_id, "completed_on, id")


def personal_items(patient_id: int, domains_by_code: dict[str, Domain]) -> list[Element]:
    items = _of_patient(Element, patient_id, "id")
    _attach(items, Element, "domain", domains_by_code)
    return items


def context_events(patient_id: int) -> list[ContextEvent]:
    return _of_patient(ContextEvent, patient_id, "occurred_on DESC, id DESC")


def encounters(patient_id: int, how_many: int) -> list[Encounter]:
    """The latest ``how_many`` encounters, newest first, each with its clinician."""
    if how_many <= 0:
        return []
    return _with_clinician(
        _raw(
            Encounter,
            "SELECT e.*, u.username AS clinician_username, u.first_name AS clinician_first_name, "
            "u.last_name AS clinician_last_name FROM patients_encounter e "
            "JOIN patients_user u ON u.id = e.clinician_id "
            "WHERE e.patient_id = %s ORDER BY e.occurred_at DESC, e.id DESC LIMIT %s",
            [patient_id, how_many],
        )
    )


def conditions(patient_id: int) -> list[Condition]:
    """The patient's conditions, each with its code, by the code's name as shown."""
    found = _of_patient(Condition, patient_id)
    if not found:
        return []
    codes = {
        c.pk: c
        for c in _raw(
            ConditionCode,
            "SELECT * FROM patients_conditioncode WHERE id IN "
            "(SELECT code_id FROM patients_condition WHERE patient_id = %s)",
            [patient_id],
        )
    }
    _attach(found, Condition, "code", codes)
    return sorted(found, key=lambda c: (c.code.display.casefold(), c.code.display, c.pk))


def teams(patient_id: int) -> list[Team]:
    """The patient's teams, by name."""
    return _raw(
        Team,
        "SELECT t.* FROM patients_team t JOIN patients_patient_teams pt ON pt.team_id = t.id "
        "WHERE pt.patient_id = %s ORDER BY t.name, t.id",
        [patient_id],
    )
