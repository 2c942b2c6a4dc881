"""PostgreSQL drops the connection in the middle of a request: the request fails cleanly (503, a
page or JSON saying so, no traceback, no SQL), nothing of it is half-written, and the next
request succeeds on a new connection.

The connection is dropped the way a database restart or failover drops it: another connection
runs `pg_terminate_backend` on the request's backend, at a chosen point inside the request, and
what was committed is counted from a connection of the test's own, never through the one that
was killed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from contextlib import closing, contextmanager

import pytest
from django.db import close_old_connections, connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

import assessments.encounters
import patients.audit
import patients.selectors
import patients.services
from assessments.models import Goal, GoalReview, Rating, Reading
from assessments.services import goal_create
from patients.models import AuditEvent, Encounter
from tests.support.api_tokens import api_key_for
from tests.support.services import need_postgresql

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LEAKS = ("Traceback", "OperationalError", "InterfaceError", "psycopg", "terminating", "SELECT")


class ServerHousekeeping:
    """What a real server does around each request and Django's test client turns off: drop a
    connection that failed or is too old (`close_old_connections` on request_started and
    request_finished). Whether the next request gets a working connection depends on it."""

    def request(self, **request):
        close_old_connections()
        try:
            return super().request(**request)
        finally:
            close_old_connections()


class ServerClient(ServerHousekeeping, Client):
    pass


class ServerAPIClient(ServerHousekeeping, APIClient):
    pass


@pytest.fixture(autouse=True)
def persistent_connections(monkeypatch):
    """As in production: a connection is kept between requests and checked before it is reused.

    The check is the project's setting; the age is pinned so that an environment giving every
    request a new connection (DATABASE_CONN_MAX_AGE=0) cannot make these tests pass vacuously.
    """
    need_postgresql()
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    connection.close()  # the next connection opens with the settings above
    yield
    connection.close()


@contextmanager
def side_connection():
    """A connection of the test's own beside Django's: it sees only what was committed."""
    with closing(connection.get_new_connection(connection.get_connection_params())) as raw:
        raw.autocommit = True
        yield raw


def backend_pid() -> int:
    """The PostgreSQL backend serving Django's connection (the request's, in a request)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def drop_connection() -> None:
    """Terminate the backend of Django's connection from another one, and wait until it is gone."""
    pid = backend_pid()
    with side_connection() as raw, raw.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
        assert cursor.fetchone()[0] is True


def committed(patient_id: int) -> dict:
    """The patient's records as another connection sees them: committed rows only."""
    records = {
        "encounters": Encounter.objects.filter(patient_id=patient_id),
        "ratings": Rating.objects.filter(patient_id=patient_id),
        "readings": Reading.objects.filter(patient_id=patient_id),
        "goal reviews": GoalReview.objects.filter(goal__patient_id=patient_id),
    }
    with side_connection() as raw:
        found: dict = {name: len(rows(raw, qs.values_list("id"))) for name, qs in records.items()}
        audit = AuditEvent.objects.filter(patient_id=patient_id).values_list("action", "what")
        found["audit"] = Counter(f"{action} {what}" for action, what in rows(raw, audit))
    return found


def rows(raw, queryset) -> list[tuple]:
    """Run the queryset's SQL on a connection of the test's own."""
    sql, params = queryset.query.sql_with_params()
    with raw.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def grown(before: dict, **more) -> dict:
    """`before` with some counts increased; audit rows given as {"action what": n}."""
    after = {**before, "audit": Counter(before["audit"])}
    for name, n in more.items():
        if name == "audit":
            after["audit"].update(n)
        else:
            after[name] += n
    return after


def wrap(monkeypatch, module, name: str, *, before=None, after=None) -> None:
    """Replace `module.name` with the same function that runs `before` or `after` it."""
    real = getattr(module, name)

    def wrapped(*args, **kwargs):
        if before:
            before()
        result = real(*args, **kwargs)
        if after:
            after()
        return result

    monkeypatch.setattr(module, name, wrapped)


def assert_clean_failure(response, *, json: bool) -> str:
    assert response.status_code == 503
    assert response["Retry-After"]
    if json:
        assert response["Content-Type"] == "application/json"
        assert response.json()["detail"].startswith("Service briefly unavailable")
    else:
        assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert "Service briefly unavailable" in body
    assert not [leak for leak in LEAKS if leak in body]
    return body


def the_503_log_line(caplog) -> str:
    (record,) = [r for r in caplog.records if r.name == "ssm_outcomes.views"]
    assert record.levelno == logging.ERROR
    return record.getMessage()


@pytest.fixture
def clinic(clinician):
    client = ServerClient(raise_request_exception=False)
    client.force_login(clinician)
    return client


def encounter_form(goal: Goal) -> dict:
    return {
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "mode": "face_to_face",
        "initiated_by": "service",
        "duration_minutes": "15",
        "note": "Talked about walking.",
        "proxy_H1": "7",
        "own_H1": "5",
        "reading_59261-8": "52",
        f"review_{goal.pk}": "1",
        "target_relevant": "on",  # ticked when the form is shown, so a browser sends it
    }


def test_an_encounter_whose_connection_drops_mid_save_saves_nothing_and_the_retry_saves_it_once(
    clinic, patient, monkeypatch, caplog
):
    goal = goal_create(
        patient=patient, description="Walk daily", domain="H", baseline_on=dt.date(2026, 2, 10)
    )
    url = reverse("clinic:encounter-new", args=[patient.pk])
    before = committed(patient.pk)
    mid_save = {}

    def drop_after_the_encounter_and_ratings():
        mid_save["in the request's transaction"] = (
            Encounter.objects.filter(patient=patient).count(),
            Rating.objects.filter(patient=patient).count(),
        )
        mid_save["committed"] = committed(patient.pk)
        drop_connection()

    with monkeypatch.context() as patch:
        wrap(
            patch,
            assessments.encounters,
            "reading_write",
            before=drop_after_the_encounter_and_ratings,
        )
        failed = clinic.post(url, encounter_form(goal))

    body = assert_clean_failure(failed, json=False)
    assert "Nothing is ever saved half-way" in body
    assert mid_save["in the request's transaction"] == (1, 2)
    assert mid_save["committed"] == before
    assert committed(patient.pk) == before
    line = the_503_log_line(caplog)
    assert "POST clinic:encounter-new" in line
    assert patient.display_name not in line
    assert f"/{patient.pk}/" not in line

    retried = clinic.post(url, encounter_form(goal))

    assert retried.status_code == 302
    assert committed(patient.pk) == grown(
        before,
        encounters=1,
        ratings=2,
        readings=1,
        **{"goal reviews": 1},
        audit={"create encounter": 1},
    )
    assert clinic.get(retried["Location"]).status_code == 200


def test_an_api_write_whose_connection_drops_before_commit_answers_json_and_saves_nothing(
    clinician, patient, monkeypatch, caplog
):
    api = ServerAPIClient(raise_request_exception=False)
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(clinician)}")
    url = f"/api/v1/patients/{patient.pk}/encounters/"
    body = {
        "occurred_at": "2026-02-10T10:00:00Z",
        "mode": "phone",
        "initiated_by": "patient",
        "duration_minutes": 12,
        "note": "Staff note",
    }
    before = committed(patient.pk)

    with monkeypatch.context() as patch:
        # The service has written the encounter row; its audit row, in the same transaction,
        # is next.
        wrap(patch, patients.services, "audited", before=drop_connection)
        failed = api.post(url, body, format="json")

    assert_clean_failure(failed, json=True)
    assert "read the record back" in failed.json()["detail"]
    assert committed(patient.pk) == before
    assert "POST api-encounters" in the_503_log_line(caplog)

    retried = api.post(url, body, format="json")

    assert retried.status_code == 201
    assert committed(patient.pk) == grown(before, encounters=1, audit={"create encounters": 1})
    assert api.get(url).json()["count"] == 1


def test_a_connection_dropped_while_idle_is_replaced_and_the_next_page_just_loads(clinic, patient):
    url = reverse("clinic:patient", args=[patient.pk])
    assert clinic.get(url).status_code == 200
    kept = backend_pid()  # the connection outlives the request (CONN_MAX_AGE)

    drop_connection()
    response = clinic.get(url)

    assert response.status_code == 200
    assert patient.display_name in response.content.decode()
    assert backend_pid() != kept


def test_a_record_page_that_loses_its_connection_says_nothing_changed_and_the_reload_works(
    clinic, patient, monkeypatch
):
    url = reverse("clinic:patient", args=[patient.pk])
    before = committed(patient.pk)

    with monkeypatch.context() as patch:
        # Outside any transaction: the request carries on with a dead connection to the end.
        wrap(patch, patients.selectors, "audited", before=drop_connection)
        failed = clinic.get(url)

    body = assert_clean_failure(failed, json=False)
    assert "Nothing was changed" in body
    assert patient.display_name not in body
    assert committed(patient.pk) == before

    reloaded = clinic.get(url)

    assert reloaded.status_code == 200
    assert committed(patient.pk) == grown(before, audit={"view patient record": 1})


def test_a_refusal_whose_audit_row_cannot_be_written_fails_cleanly_and_is_audited_next_time(
    other_clinician, patient, monkeypatch
):
    client = ServerClient(raise_request_exception=False)
    client.force_login(other_clinician)
    url = reverse("clinic:patient", args=[patient.pk])
    before = committed(patient.pk)

    with monkeypatch.context() as patch:
        wrap(patch, patients.audit, "audit_record", before=drop_connection)
        failed = client.get(url)

    assert_clean_failure(failed, json=False)
    assert committed(patient.pk) == before

    refused = client.get(url)

    assert refused.status_code == 404
    assert committed(patient.pk) == grown(before, audit={"denied 404 GET": 1})
