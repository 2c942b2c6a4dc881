import pytest

from tests.factories import EncounterFactory


@pytest.fixture
def encounter(patient, clinician):
    return EncounterFactory(patient=patient, clinician=clinician)


@pytest.fixture
def others_encounter(other_patient, other_clinician):
    return EncounterFactory(patient=other_patient, clinician=other_clinician)
