"""A patient sees who has opened or changed their record: the audit trail, in plain words."""

import datetime as dt
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from patients.models import AuditEvent
from portal.selectors import record_access_rows, record_accesses_folded
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def me(client, patient):
    client.force_login(patient.user)
    return client


def entries_of(response) -> list[tuple[str, str, int]]:
    return [(e["who"], e["did"], e["access"].times) for e in response.context["entries"]]


def test_a_clinicians_visit_shows_up_with_their_name_and_role(me, client, patient, clinician, team):
    clinician.first_name, clinician.last_name = "Nia", "Okafor"
    clinician.save()
    staff = type(client)()
    staff.force_login(clinician)
    assert staff.get(reverse("clinic:patient", args=[patient.pk])).status_code == 200

    response = me.get(reverse("portal:access-log"))

    assert response.status_code == 200
    assert entries_of(response) == [
        ("Nia Okafor, clinician", "looked at your record (your record page)", 1)
    ]
    assert "Nia Okafor, clinician</strong> looked at your record" in response.content.decode()


def test_another_patient_who_was_refused_is_not_named(me, patient, other_patient):
    intruder = type(me)()
    intruder.force_login(other_patient.user)
    assert intruder.get(f"/api/v1/patients/{patient.pk}/").status_code == 404

    response = me.get(reverse("portal:access-log"))

    assert entries_of(response) == [
        ("Another patient", "tried to open your record and was refused", 1)
    ]
    assert other_patient.display_name not in response.content.decode()
    assert other_patient.user.username not in response.content.decode()


def test_only_my_own_record_is_listed(me, patient, other_patient, clinician):
    AuditEvent.objects.create(
        actor=clinician, actor_role="clinician", patient=other_patient, action="view", what="x"
    )
    AuditEvent.objects.create(
        actor=clinician, actor_role="clinician", patient=None, action="export", what="csv"
    )

    response = me.get(reverse("portal:access-log"))

    assert response.context["entries"] == []
    assert "No one at the service has opened your record yet." in response.content.decode()


def test_runs_of_the_same_thing_on_one_day_are_folded_into_one_entry(patient, clinician):
    admin = UserFactory(username="admin2", first_name="Alex", last_name="Morgan")
    three_days_ago = timezone.now() - dt.timedelta(days=3)
    with mock.patch("django.utils.timezone.now", return_value=three_days_ago):
        # An older visit of the same kind on another day: not folded into today's.
        AuditEvent.objects.create(
            actor=clinician, actor_role="clinician", patient=patient, action="view", what="x"
        )
    for who, role, action in [
        (clinician, "clinician", "view"),
        (clinician, "clinician", "view"),
        (clinician, "clinician", "view"),
        (clinician, "clinician", "create"),
        (admin, "admin", "update"),
    ]:
        AuditEvent.objects.create(
            actor=who, actor_role=role, patient=patient, action=action, what="patient"
        )

    folded = record_accesses_folded(rows=record_access_rows(patient=patient))

    assert [(a.actor_role, a.action, a.times) for a in folded] == [
        ("admin", "update", 1),
        ("clinician", "create", 1),
        ("clinician", "view", 3),
        ("clinician", "view", 1),
    ]
    assert folded[2].first_at <= folded[2].last_at


def test_the_list_is_paged_newest_first(me, patient):
    for n in range(51):
        staff = UserFactory(username=f"staff{n}", first_name=f"Staff{n}", last_name="X")
        AuditEvent.objects.create(
            actor=staff, actor_role="clinician", patient=patient, action="view", what="patient"
        )

    first = me.get(reverse("portal:access-log"))
    second = me.get(reverse("portal:access-log"), {"page": 2})

    assert len(first.context["entries"]) == 50
    assert entries_of(first)[0][0] == "Staff50 X, clinician"
    assert entries_of(second) == [
        ("Staff0 X, clinician", "looked at your record (your details)", 1)
    ]
    assert "Older" in first.content.decode()
