"""``manage.py import_patients FILE --team NAME [--dry-run]``."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from patients.models import Patient, PatientImport

GOOD = "display_name;birth_year;local_id\nAnn A.;1950;R-1\nBob B.;1960;R-2\n"


@pytest.fixture
def csv_file(tmp_path):
    def write(text, encoding="utf-8"):
        path = tmp_path / "list.csv"
        path.write_bytes(text.encode(encoding))
        return path

    return write


@pytest.mark.django_db
def test_dry_run_changes_nothing_then_import(team, csv_file, capsys):
    path = csv_file(GOOD)
    call_command("import_patients", str(path), "--team", team.name, "--dry-run")
    assert "Dry run, nothing changed: 2 to create, 0 to update, 0 unchanged, 0 refused." in (
        capsys.readouterr().out
    )
    assert Patient.objects.count() == 0
    call_command("import_patients", str(path), "--team", team.name)
    assert "Imported into Riverside Practice: 2 created, 0 updated, 0 unchanged." in (
        capsys.readouterr().out
    )
    assert PatientImport.objects.get().source == "command"
    call_command("import_patients", str(path), "--team", team.name)
    assert "0 created, 0 updated, 2 unchanged." in capsys.readouterr().out
    assert Patient.objects.count() == 2


@pytest.mark.django_db
def test_refused_rows_are_printed_and_nothing_imported(team, csv_file, capsys):
    path = csv_file(GOOD + "Cem C.;1850;R-3\n")
    with pytest.raises(CommandError) as refused:
        call_command("import_patients", str(path), "--team", team.name)
    assert "Nothing imported: 2 to create, 0 to update, 0 unchanged, 1 refused." in str(
        refused.value
    )
    assert "line 4, birth_year: Write the year of birth" in capsys.readouterr().err
    assert Patient.objects.count() == 0


@pytest.mark.django_db
def test_unknown_team_and_unreadable_file(team, csv_file, tmp_path):
    with pytest.raises(CommandError, match=r"There is no team named “Nowhere”\. Teams: Riverside"):
        call_command("import_patients", str(csv_file(GOOD)), "--team", "Nowhere")
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_patients", str(tmp_path / "missing.csv"), "--team", team.name)
    with pytest.raises(CommandError, match="Missing: local_id"):
        call_command(
            "import_patients",
            str(csv_file("display_name,birth_year\nA,1950\n")),
            "--team",
            team.name,
        )


@pytest.mark.django_db
@pytest.mark.parametrize("written", ["44054006@2019-03-01", "44054006:2019-03-01"])
def test_a_condition_takes_its_onset_after_an_at_sign_or_a_colon(team, csv_file, written):
    path = csv_file(f"display_name,birth_year,local_id,conditions\nGrace H.,1948,RGP-1,{written}\n")

    call_command("import_patients", str(path), "--team", team.name)

    grace = Patient.objects.get(display_name="Grace H.")
    assert list(grace.conditions.values_list("code__snomed_code", "onset")) == [
        ("44054006", dt.date(2019, 3, 1))
    ]


@pytest.mark.django_db
def test_conditions_with_and_without_onsets_are_read_together(team, csv_file):
    path = csv_file(
        "display_name,birth_year,local_id,conditions\n"
        "Grace H.,1948,RGP-1,44054006@2019-03; 38341003 ;49049000:2015\n"
    )

    call_command("import_patients", str(path), "--team", team.name)

    grace = Patient.objects.get(display_name="Grace H.")
    assert sorted(grace.conditions.values_list("code__snomed_code", "onset")) == [
        ("38341003", None),
        ("44054006", dt.date(2019, 3, 1)),
        ("49049000", dt.date(2015, 1, 1)),
    ]
