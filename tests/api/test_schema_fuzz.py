"""Property-based requests from the OpenAPI schema (schemathesis), as a clinician and a patient:
no server error and no response that breaks the schema."""

import datetime as dt

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from assessments.services import goal_create, rating_record
from ssm_outcomes.wsgi import application
from tests.conftest import EXPLORING
from tests.support.api_tokens import api_key_for

schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def api_schema(db):
    # Like Django's test client: keep the test's connection (and its transaction) open across
    # the requests schemathesis sends through the WSGI application.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def record(patient):
    """A patient with a few records, so generated ids sometimes hit real rows."""
    rating_record(
        patient=patient, element="H1", value=5, rated_on=dt.date(2026, 2, 10), rater="patient"
    )
    goal_create(patient=patient, description="Walk daily", domain="H")
    return patient


def call(case, user, record):
    key = api_key_for(user)  # a new one each time: a case may have revoked the last
    given = (case.path_parameters or {}).get("patient_id")
    if isinstance(given, int) and given % 2:
        case.path_parameters["patient_id"] = record.pk  # half the cases aim at a real record
    # Data the schema allows can still break a business rule (a date in the future, the same
    # item twice), so a 4xx for schema-valid input is not a failure here.
    case.call_and_validate(
        headers={"Authorization": f"Token {key}"},
        excluded_checks=[positive_data_acceptance],
    )


FUZZ = settings(
    max_examples=300 if EXPLORING else 15,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)


@schema.parametrize()
@FUZZ
def test_api_answers_a_clinician_without_errors_and_within_its_schema(case, clinician, record):
    call(case, clinician, record)


@schema.parametrize()
@FUZZ
def test_api_answers_a_patient_without_errors_and_within_its_schema(case, record):
    call(case, record.user, record)
