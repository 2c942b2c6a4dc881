import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_models_and_migrations_agree():
    # makemigrations --check exits non-zero when a model change has no migration.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_reference_data_is_loaded_by_migrations():
    from assessments.models import Element, Marker
    from patients.models import ConditionCode

    codes = list(Element.objects.framework().values_list("code", flat=True))
    assert codes == ["H1", "H2", "H3", "H4", "H5", "M1", "M2", "M3", "M4", "R1", "R2", "R3", "R4"]
    assert set(Marker.objects.values_list("loinc", "unit")) >= {
        ("59261-8", "mmol/mol"),
        ("4548-4", "%"),
        ("8480-6", "mm[Hg]"),
        ("8462-4", "mm[Hg]"),
        ("14647-2", "mmol/L"),
        ("39156-5", "kg/m2"),
        ("29463-7", "kg"),
    }
    assert set(ConditionCode.objects.values_list("snomed_code", flat=True)) >= {
        "46635009",
        "44054006",
        "49049000",
        "13645005",
        "10743008",
    }
    parkinsons = ConditionCode.objects.get(snomed_code="49049000")
    assert (parkinsons.stage_system, parkinsons.stage_min, parkinsons.stage_max) == (
        "Hoehn and Yahr",
        1,
        5,
    )
