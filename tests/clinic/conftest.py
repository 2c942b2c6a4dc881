import pytest


@pytest.fixture
def signed_in(client, clinician):
    """The test client, signed in as the team's clinician."""
    client.force_login(clinician)
    return client
