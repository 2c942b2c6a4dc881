"""The demo cohort is byte-for-byte the same data for a seed: a digest of every row it writes.

The digest is stored, so any change to what the generator writes (on SQLite or PostgreSQL, by the
ORM writer or by COPY) shows here. Rows are read table by table in insertion order; keys to rows
the cohort made become their positions, keys to reference data (framework elements, markers,
condition codes) become their codes, and values are written in one form on every database. Only
what the database fills in itself (ids, creation stamps the generator does not give, password
hashes, the authenticator's secret) is left out.

When the generated data is changed on purpose, run this module and store the digests it reports.
"""

import hashlib
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import models
from django.test import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from assessments.models import (
    Element,
    Goal,
    GoalReview,
    Marker,
    PersonalTarget,
    PriorityPoint,
    PrioritySet,
    Rating,
    Reading,
)
from demo.cohort import demo_cohort_create
from patients.models import (
    Agenda,
    Appointment,
    Condition,
    ConditionCode,
    ContextEvent,
    Encounter,
    Membership,
    Patient,
    Team,
    User,
)

pytestmark = pytest.mark.django_db

PATIENTS = 30
SEED = 7
ANCHOR = date(2026, 11, 1)

# The digest of each table for PATIENTS patients, SEED and ANCHOR, with CHUNK_SIZE 7 and the
# default chunk size (the chunking must not change the data).
EXPECTED = {
    "assessments.Element": "efa2715f50351cc8",
    "assessments.Goal": "72c45c3c3ef15c41",
    "assessments.GoalReview": "5fba85afb09eab51",
    "assessments.PersonalTarget": "dc1a740661dcb627",
    "assessments.PriorityPoint": "1eb47fc40cc55dbd",
    "assessments.PrioritySet": "0e3d742bfe2c07cb",
    "assessments.Rating": "15f1c16da1702412",
    "assessments.Reading": "7be6e24d09c8ead1",
    "otp_totp.TOTPDevice": "7eb5f1c61b1d7cc0",
    "patients.Agenda": "513daec35d4a5902",
    "patients.Appointment": "39e3ac8c432f7eea",
    "patients.Condition": "556dbb874614c0aa",
    "patients.ContextEvent": "75aa0486eda7f330",
    "patients.Encounter": "00bd5a5c43bae35c",
    "patients.Membership": "1988a54e2b47740a",
    "patients.Patient": "25861dcd47b09ac1",
    "patients.Patient_teams": "479f86b62d17a6f4",
    "patients.Team": "3f9fb77ea7e7042b",
    "patients.User": "93bfbb6b95e039f9",
}

# Each table the cohort fills, in the order it fills them, and the columns it writes.
COLUMNS: list[tuple[type[models.Model], str]] = [
    (Team, "name description"),
    (
        User,
        "username first_name last_name role email is_staff is_superuser is_active language",
    ),
    (TOTPDevice, "user_id name confirmed"),
    (Membership, "user_id team_id role"),
    (Patient, "display_name birth_year user_id"),
    (Patient.teams.through, "patient_id team_id"),
    (Condition, "patient_id code_id onset stage"),
    (Element, "patient_id domain_id code label order"),
    (
        Encounter,
        "patient_id clinician_id occurred_at mode initiated_by duration_minutes strategies note"
        " agenda_discussed",
    ),
    (
        Rating,
        "patient_id element_id value rated_on rater entered_by_id encounter_id created_at",
    ),
    (PrioritySet, "patient_id effective_from total entered_by_id by_proxy"),
    (PriorityPoint, "priority_set_id element_id points"),
    (
        Goal,
        "patient_id description expected_outcome domain_id importance difficulty baseline_on"
        " active created_by_id",
    ),
    (GoalReview, "goal_id attainment reviewed_on encounter_id reviewed_by_id"),
    (PersonalTarget, "patient_id marker_id low high relevant reason set_by_id"),
    (Reading, "patient_id marker_id value taken_on encounter_id recorded_by_id"),
    (ContextEvent, "patient_id kind occurred_on note visible_to_patient recorded_by_id created_at"),
    (Appointment, "patient_id clinician_id starts_at reminder_sent_at"),
    (
        Agenda,
        "patient_id appointment_id going_well hard change questions discussed_in_id created_at",
    ),
]


def _cell(value: Any) -> str:
    """One form of a value on every database: UTC times, plain decimals, JSON lists as lists."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return repr(value)


class _Keys:
    """What a foreign key points at, in a form that does not depend on the ids handed out."""

    def __init__(self) -> None:
        self.positions: dict[type[models.Model], dict[int, int]] = {}
        self.items = {
            pk: n
            for n, pk in enumerate(
                Element.objects.filter(patient__isnull=False)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
        }
        self.codes = {
            Element: dict(Element.objects.filter(patient__isnull=True).values_list("pk", "code")),
            Marker: dict(Marker.objects.values_list("pk", "loinc")),
            ConditionCode: dict(ConditionCode.objects.values_list("pk", "snomed_code")),
        }

    def __call__(self, model: type[models.Model], pk: int) -> str:
        if model is Element and pk in self.items:
            return f"item {self.items[pk]}"
        if model in self.codes:
            return self.codes[model][pk]
        if model is User:
            return User.objects.values_list("username", flat=True).get(pk=pk)
        if model not in self.positions:
            pks = model.objects.order_by("pk").values_list("pk", flat=True)
            self.positions[model] = {value: n for n, value in enumerate(pks)}
        return str(self.positions[model][pk])


def cohort_digests() -> dict[str, str]:
    """Per table, a digest of its rows written by the cohort, in insertion order."""
    keys, digests = _Keys(), {}
    for model, columns in COLUMNS:
        fields = [model._meta.get_field(name.removesuffix("_id")) for name in columns.split()]
        rows = model.objects.order_by("pk")
        if model is Element:
            rows = rows.filter(patient__isnull=False)  # the framework's come with the migrations
            rows = rows.rewrite(False)  # the columns written, not a language's (modeltranslation)
        digest = hashlib.sha256()
        for row in rows.values_list(*(field.attname for field in fields)):
            cells = [
                keys(field.related_model, value)
                if field.is_relation and value is not None
                else _cell(value)
                for field, value in zip(fields, row, strict=True)
            ]
            digest.update(("\t".join(cells) + "\n").encode())
        digests[model._meta.label] = digest.hexdigest()[:16]
    return digests


@pytest.mark.parametrize("chunk_size", [7, 1000])
def test_a_seed_gives_exactly_the_stored_rows(chunk_size):
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with override_settings(PASSWORD_HASHERS=fast):
        demo_cohort_create(patients=PATIENTS, seed=SEED, anchor=ANCHOR, chunk_size=chunk_size)
        digests = cohort_digests()
    assert digests == EXPECTED
