import pytest
from rest_framework.test import APIClient

from tests.support.api_tokens import api_key_for


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(user)}")
    return client


@pytest.fixture
def as_clinician(clinician):
    return client_for(clinician)


@pytest.fixture
def as_patient(patient):
    return client_for(patient.user)


@pytest.fixture
def as_other_clinician(other_clinician):
    return client_for(other_clinician)


@pytest.fixture
def as_manager(manager):
    return client_for(manager)


@pytest.fixture
def anonymous():
    return APIClient()
