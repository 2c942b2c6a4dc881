"""The rows of one chunk of patients, as the planner makes them and the writers insert them.

``TABLES`` is the layout both sides keep to: the tables a chunk fills, in insertion order, and the
columns of their rows. A row that later rows point at (a patient, an encounter...) is not in the
database yet when they are planned, so they hold a ``Ref`` to it, swapped for its id on insert.
"""

from __future__ import annotations

from typing import Any


class Ref:
    """A parent row of the current chunk, replaced by its id once that table is inserted."""

    __slots__ = ("index", "table")

    def __init__(self, table: str, index: int) -> None:
        self.table, self.index = table, index


# The tables a chunk fills, in insertion order: model label and the attnames of its rows' cells.
TABLES = {
    "patients": ("patients.Patient", "display_name birth_year user_id"),
    "patient_teams": ("patients.Patient_teams", "patient_id team_id"),
    "conditions": ("patients.Condition", "patient_id code_id onset stage"),
    "personal_items": ("assessments.Element", "patient_id domain_id code label order"),
    "encounters": (
        "patients.Encounter",
        "patient_id clinician_id occurred_at mode initiated_by duration_minutes strategies note"
        " agenda_discussed",
    ),
    "ratings": (
        "assessments.Rating",
        "patient_id element_id value rated_on rater entered_by_id encounter_id created_at",
    ),
    "priority_sets": (
        "assessments.PrioritySet",
        "patient_id effective_from total entered_by_id by_proxy",
    ),
    "priority_points": ("assessments.PriorityPoint", "priority_set_id element_id points"),
    "goals": (
        "assessments.Goal",
        "patient_id description expected_outcome domain_id importance difficulty baseline_on"
        " active created_by_id",
    ),
    "goal_reviews": (
        "assessments.GoalReview",
        "goal_id attainment reviewed_on encounter_id reviewed_by_id",
    ),
    "targets": (
        "assessments.PersonalTarget",
        "patient_id marker_id low high relevant reason set_by_id",
    ),
    "readings": (
        "assessments.Reading",
        "patient_id marker_id value taken_on encounter_id recorded_by_id",
    ),
    "context_events": (
        "patients.ContextEvent",
        "patient_id kind occurred_on note visible_to_patient recorded_by_id created_at",
    ),
    "appointments": ("patients.Appointment", "patient_id clinician_id starts_at reminder_sent_at"),
    "agendas": (
        "patients.Agenda",
        "patient_id appointment_id going_well hard change questions discussed_in_id created_at",
    ),
}


class Rows:
    """The generated rows of one chunk of patients, per table, in insertion order."""

    def __init__(self) -> None:
        self.tables: dict[str, list[list[Any]]] = {name: [] for name in TABLES}
        self.parents: set[str] = set()

    def add(self, table: str, row: list[Any], *, parent: bool = False) -> Ref:
        """Append a row; a parent row gets a reference that later rows can hold as a key."""
        rows = self.tables[table]
        rows.append(row)
        if not parent:
            return _NO_REF
        self.parents.add(table)
        return Ref(table, len(rows) - 1)


_NO_REF = Ref("", -1)
