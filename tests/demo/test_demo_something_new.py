"""The demo caseload's "since last seen" tags mean something: only patients who really answered
after they were last seen have new ratings, a few have an agenda waiting, a few a new life event.

Each tag is checked against what the seeded records say (dates, not the timestamps the tags read).
"""

import io
from collections import defaultdict
from datetime import date

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from assessments.models import Rating
from clinic.selectors import caseload_for_clinician
from patients.models import Agenda, ContextEvent, Encounter, User

PATIENTS = 150
ANCHOR = date(2026, 11, 1)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def caseload(django_db_setup, django_db_blocker):
    """demo-clinician's caseload of a seeded cohort, rolled back when the module ends."""
    with django_db_blocker.unblock(), transaction.atomic():
        fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        with override_settings(PASSWORD_HASHERS=fast):
            options = {"patients": PATIENTS, "seed": 3, "anchor_date": ANCHOR.isoformat()}
            call_command("seed_demo", force=True, stdout=io.StringIO(), **options)
        clinician = User.objects.get(username="demo-clinician")
        yield list(caseload_for_clinician(user=clinician))
        transaction.set_rollback(True)


def last_seen(patient_ids) -> dict[int, date]:
    """The local date each patient was last seen."""
    seen: dict[int, date] = {}
    for pid, at in Encounter.objects.filter(patient_id__in=patient_ids).values_list(
        "patient_id", "occurred_at"
    ):
        day = timezone.localtime(at).date()
        seen[pid] = max(seen.get(pid, day), day)
    return seen


def test_new_ratings_only_for_patients_who_answered_after_they_were_last_seen(caseload):
    ids = [p.pk for p in caseload]
    seen = last_seen(ids)
    answered_after: dict[int, bool] = defaultdict(bool)
    for pid, rated_on, encounter in Rating.objects.filter(
        patient_id__in=ids, rater="patient"
    ).values_list("patient_id", "rated_on", "encounter_id"):
        if encounter is None and rated_on >= seen[pid]:
            answered_after[pid] = True

    tagged = {p.pk for p in caseload if p.new_ratings}

    assert tagged == {pid for pid in ids if answered_after[pid]}
    assert 0.05 * len(ids) <= len(tagged) <= 0.5 * len(ids), len(tagged)


def test_a_few_patients_have_an_agenda_waiting(caseload):
    ids = [p.pk for p in caseload]
    waiting = set(
        Agenda.objects.filter(
            patient_id__in=ids, discussed_in__isnull=True, appointment__isnull=False
        ).values_list("patient_id", flat=True)
    )

    tagged = {p.pk for p in caseload if p.agenda_waiting}

    assert tagged == waiting
    assert 1 <= len(tagged) <= 0.15 * len(ids), len(tagged)


def test_a_few_patients_have_a_life_event_noted_since_they_were_last_seen(caseload):
    ids = [p.pk for p in caseload]
    seen = last_seen(ids)
    after = {
        pid
        for pid, day in ContextEvent.objects.filter(patient_id__in=ids).values_list(
            "patient_id", "occurred_on"
        )
        if day >= seen[pid]
    }

    tagged = {p.pk for p in caseload if p.new_context}

    assert tagged <= after  # an event on the day they were seen counts if noted after the visit
    assert {pid for pid in after if pid not in tagged} <= {
        pid
        for pid, day in ContextEvent.objects.filter(patient_id__in=ids).values_list(
            "patient_id", "occurred_on"
        )
        if day == seen[pid]
    }
    assert 1 <= len(tagged) <= 0.15 * len(ids), len(tagged)


def test_not_every_row_says_something_new(caseload):
    changed = [p for p in caseload if p.changed]

    assert not all(p.new_ratings for p in caseload)
    assert 0 < len(changed) < 0.6 * len(caseload), len(changed)
