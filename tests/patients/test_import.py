"""Bringing patients in from a spreadsheet: reading the file, the preview and the import."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from patients.imports import (
    MAX_BYTES,
    ImportFileError,
    import_plan,
    import_record,
    import_run,
    import_run_queued,
)
from patients.models import (
    AuditEvent,
    Condition,
    LocalId,
    Membership,
    Patient,
    PatientImport,
    User,
)
from tests.factories import MembershipFactory, PatientFactory
from tests.support.two_step import sign_in_with_code

GOOD = (
    "display_name,birth_year,local_id,conditions,email,language\n"
    "Ann A.,1950,R-001,44054006:2019-03-01,ann@example.org,nl\n"
    'Bob B.,1961,R-002,"49049000:2020; 38341003",,\n'
    "Cem C.,1977,R-003,,,\n"
)


def plan(data, team, user):
    return import_plan(data=data.encode() if isinstance(data, str) else data, team=team, user=user)


def run(data, team, user):
    text = data if isinstance(data, str) else data.decode()
    the_plan = plan(data, team, user)
    record = import_record(plan=the_plan, user=user, text=text, file_name="list.csv", source="csv")
    return import_run(record=record, user=user)


@pytest.mark.django_db
def test_preview_counts_and_writes_nothing(team, clinician):
    the_plan = plan(GOOD, team, clinician)
    assert [row.action for row in the_plan.rows] == ["create", "create", "create"]
    assert the_plan.problems == []
    assert the_plan.importable
    assert Patient.objects.count() == 0


@pytest.mark.django_db
def test_import_creates_patients_with_their_conditions_and_local_ids(team, clinician):
    record = run(GOOD, team, clinician)
    assert (record.state, record.created, record.updated, record.unchanged) == ("done", 3, 0, 0)
    assert record.text == ""  # the file is not kept
    ann = Patient.objects.get(local_ids__team=team, local_ids__value="R-001")
    assert (ann.display_name, ann.birth_year, ann.email, ann.language) == (
        "Ann A.",
        1950,
        "ann@example.org",
        "nl",
    )
    assert list(ann.teams.all()) == [team]
    assert [(c.code.snomed_code, c.onset) for c in ann.conditions.all()] == [
        ("44054006", dt.date(2019, 3, 1))
    ]
    bob = Patient.objects.get(local_ids__value="R-002")
    assert sorted((c.code.snomed_code, c.onset) for c in bob.conditions.all()) == [
        ("38341003", None),
        ("49049000", dt.date(2020, 1, 1)),
    ]
    assert AuditEvent.objects.filter(actor=clinician, what="patient import").count() == 3


@pytest.mark.django_db
def test_the_same_file_twice_changes_nothing_and_a_changed_row_updates(team, clinician):
    run(GOOD, team, clinician)
    again = plan(GOOD, team, clinician)
    assert [row.action for row in again.rows] == ["unchanged"] * 3
    record = run(GOOD, team, clinician)
    assert (record.created, record.updated, record.unchanged) == (0, 0, 3)
    assert Patient.objects.count() == 3
    changed = GOOD.replace("Cem C.,1977", "Cem D.,1978")
    record = run(changed, team, clinician)
    assert (record.created, record.updated, record.unchanged) == (0, 1, 2)
    cem = Patient.objects.get(local_ids__value="R-003")
    assert (cem.display_name, cem.birth_year) == ("Cem D.", 1978)


@pytest.mark.django_db
def test_an_empty_cell_keeps_what_is_saved(team, clinician):
    run(GOOD, team, clinician)
    without = GOOD.replace("ann@example.org,nl", ",").replace("44054006:2019-03-01", "")
    assert plan(without, team, clinician).rows[0].action == "unchanged"
    run(without, team, clinician)
    ann = Patient.objects.get(local_ids__value="R-001")
    assert (ann.email, ann.language, ann.conditions.count()) == ("ann@example.org", "nl", 1)


@pytest.mark.django_db
def test_every_problem_is_listed_with_line_column_and_rule(team, clinician):
    bad = (
        "display_name;birth_year;local_id;conditions;email;language\n"
        "Ann A.;1950;R-001;;;\n"
        ";2090;R-002;123;not-an-email;fr\n"
        "=HYPERLINK(1);1960;R-003;44054006:2019-13;;\n"
        "Dan D.;1960;R-001;;;\n"
    )
    the_plan = plan(bad, team, clinician)
    found = [(p.line, p.column) for p in the_plan.problems]
    assert found == [
        (3, "display_name"),
        (3, "birth_year"),
        (3, "conditions"),
        (3, "email"),
        (3, "language"),
        (4, "display_name"),
        (4, "conditions"),
        (5, "local_id"),
    ]
    messages = {(p.line, p.column): p.message for p in the_plan.problems}
    assert "from 1900 to" in messages[(3, "birth_year")]
    assert "“2090”" in messages[(3, "birth_year")]
    assert "formula" in messages[(4, "display_name")]
    assert messages[(5, "local_id")] == (
        "“R-001” is also on line 2: each patient can be in a file once."
    )
    assert "“123” is not a SNOMED CT code" in messages[(3, "conditions")]
    assert the_plan.refused_lines == [3, 4, 5]
    assert not the_plan.importable
    record = import_record(plan=the_plan, user=clinician, text=bad, file_name="x", source="csv")
    with pytest.raises(ValidationError) as refused:
        import_run(record=record, user=clinician)
    assert refused.value.messages == ["3 rows have problems: fix them and upload the file again."]
    assert Patient.objects.count() == 0


@pytest.mark.django_db
def test_windows_code_page_and_utf8_bom_are_read(team, clinician):
    text = "display_name,birth_year,local_id\nRenée É.,1950,R-9\n"
    assert plan(text.encode("cp1252"), team, clinician).rows[0].display_name == "Renée É."
    assert plan(b"\xef\xbb\xbf" + text.encode(), team, clinician).rows[0].display_name == "Renée É."


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "The file is empty."),
        (b"name,year\nAnn,1950\n", "Missing: display_name, birth_year, local_id"),
        (b"display_name,birth_year,local_id,emial\n", "Column “emial” is not one we know"),
        (b"display_name,birth_year,local_id\n", "no patients below it"),
        ("display_name,birth_year\n".encode("utf-16"), "UTF-16"),
        (b"display_name,birth_year,local_id\n\x81\x8d,1950,1\n", "encoding we cannot read"),
        (b"x" * (MAX_BYTES + 1), "the most one import takes is 20 MB"),
    ],
)
@pytest.mark.django_db
def test_a_bad_file_gets_one_clear_message_and_changes_nothing(team, clinician, data, words):
    with pytest.raises(ImportFileError) as refused:
        plan(data, team, clinician)
    assert words in str(refused.value)
    assert Patient.objects.count() == 0


@pytest.mark.django_db
def test_teams_column_adds_only_the_importers_own_teams(team, other_team, clinician):
    text = "display_name,birth_year,local_id,teams\nAnn A.,1950,R-1,Hillside Practice\n"
    the_plan = plan(text, team, clinician)
    assert [(p.column, p.message) for p in the_plan.problems] == [
        ("teams", "“Hillside Practice” is not one of your teams. Your teams: Riverside Practice.")
    ]
    MembershipFactory(user=clinician, team=other_team, role="clinician")
    run(text, team, clinician)
    ann = Patient.objects.get(local_ids__value="R-1")
    assert sorted(t.name for t in ann.teams.all()) == ["Hillside Practice", "Riverside Practice"]
    assert LocalId.objects.get(patient=ann).team == team


@pytest.mark.django_db
def test_a_local_id_is_the_teams_own(team, other_team, clinician, other_clinician):
    run(GOOD, team, clinician)
    other = run(GOOD, other_team, other_clinician)
    assert other.created == 3  # another team's R-001 is another patient
    assert Patient.objects.count() == 6


@pytest.mark.django_db
def test_an_import_keeps_patients_added_by_hand_and_their_other_teams(team, clinician):
    by_hand = PatientFactory(display_name="Hand H.", teams=[team])
    run(GOOD, team, clinician)
    assert Patient.objects.filter(pk=by_hand.pk).exists()
    assert Condition.objects.filter(patient=by_hand).count() == 0


@pytest.mark.django_db
def test_a_manager_or_patient_may_import_into_no_team(team, manager):
    the_plan = plan(
        "display_name,birth_year,local_id,teams\nA,1950,1,Riverside Practice\n", team, manager
    )
    assert the_plan.problems[0].column == "teams"


@pytest.mark.django_db
def test_import_record_is_the_audit_of_who_when_how_many(team, clinician):
    record = run(GOOD, team, clinician)
    saved = PatientImport.objects.get(pk=record.pk)
    assert (saved.created_by, saved.team, saved.rows, saved.created) == (clinician, team, 3, 3)
    assert saved.finished_at is not None
    assert len(saved.file_sha256) == 64


@pytest.mark.django_db
def test_imports_are_listed_read_only_in_the_admin(client, team, clinician, admin_user):
    run(GOOD, team, clinician)
    sign_in_with_code(client, admin_user)
    page = client.get("/admin/patients/patientimport/").content.decode()
    assert "list.csv" in page
    assert "Riverside Practice" in page
    record = PatientImport.objects.get()
    assert client.get(f"/admin/patients/patientimport/{record.pk}/change/").status_code == 200
    assert client.get("/admin/patients/patientimport/add/").status_code == 403


@pytest.mark.django_db
def test_the_background_job_runs_once_and_records_a_refusal(team, clinician):
    the_plan = plan(GOOD, team, clinician)
    record = import_record(plan=the_plan, user=clinician, text=GOOD, file_name="x", source="csv")
    PatientImport.objects.filter(pk=record.pk).update(state="queued")
    assert import_run_queued(import_id=record.pk, user_id=clinician.pk) == "done"
    assert import_run_queued(import_id=record.pk, user_id=clinician.pk) == "done"  # delivered twice
    assert Patient.objects.count() == 3
    bad = GOOD + "Dan D.,18x0,R-9,,,\n"
    record = import_record(
        plan=plan(bad, team, clinician), user=clinician, text=bad, file_name="y", source="csv"
    )
    PatientImport.objects.filter(pk=record.pk).update(state="queued")
    assert import_run_queued(import_id=record.pk, user_id=clinician.pk) == "failed"
    record.refresh_from_db()
    assert (record.state, record.failure) == (
        "failed",
        "1 row has a problem: fix it and upload the file again.",
    )
    assert Patient.objects.count() == 3


@pytest.mark.django_db
def test_a_queued_import_fails_when_its_maker_has_left_the_team(team, clinician):
    record = import_record(
        plan=plan(GOOD, team, clinician), user=clinician, text=GOOD, file_name="x", source="csv"
    )
    PatientImport.objects.filter(pk=record.pk).update(state="queued")
    Membership.objects.filter(user=clinician, team=team).delete()
    assert import_run_queued(import_id=record.pk, user_id=clinician.pk) == "failed"
    record.refresh_from_db()
    assert record.failure == (
        "Nothing was imported: you no longer import into Riverside Practice (only a clinician "
        "of the team can)."
    )
    assert Patient.objects.count() == 0


@pytest.mark.django_db
def test_a_queued_import_fails_when_its_makers_account_was_switched_off(team, clinician):
    record = import_record(
        plan=plan(GOOD, team, clinician), user=clinician, text=GOOD, file_name="x", source="csv"
    )
    PatientImport.objects.filter(pk=record.pk).update(state="queued")
    User.objects.filter(pk=clinician.pk).update(is_active=False)
    assert import_run_queued(import_id=record.pk, user_id=clinician.pk) == "failed"
    record.refresh_from_db()
    assert record.failure == (
        "Nothing was imported: the account that started it has been switched off."
    )
    assert Patient.objects.count() == 0


@pytest.mark.django_db
def test_a_local_id_of_a_patient_who_left_the_team_is_refused(team, other_team, clinician):
    run(GOOD, team, clinician)
    ann = Patient.objects.get(local_ids__value="R-001")
    ann.teams.set([other_team])  # moved to another team, whose record it now is
    again = GOOD.replace("Ann A.,1950", "Renamed,1951")
    the_plan = plan(again, team, clinician)
    assert [(p.line, p.column, p.message) for p in the_plan.problems] == [
        (
            2,
            "local_id",
            "“R-001” was this team's identifier of a patient who is no longer in the team: this "
            "row cannot change them or bring them back. Give a new patient an identifier of "
            "their own.",
        )
    ]
    assert [row.local_id for row in the_plan.rows] == ["R-002", "R-003"]
    with pytest.raises(ValidationError, match="1 row has a problem"):
        run(again, team, clinician)
    ann.refresh_from_db()
    assert (ann.display_name, ann.birth_year, list(ann.teams.all())) == (
        "Ann A.",
        1950,
        [other_team],
    )
    ann.teams.add(team)  # back in the team (a clinician of both teams added it): matched again
    assert [row.action for row in plan(again, team, clinician).rows] == [
        "update",
        "unchanged",
        "unchanged",
    ]


@pytest.mark.django_db
def test_a_patient_who_leaves_between_the_check_and_the_import_refuses_it(
    team, other_team, clinician
):
    from django.db import transaction

    from patients.imports import import_apply

    run(GOOD, team, clinician)
    checked = plan(GOOD.replace("Ann A.", "Renamed"), team, clinician)
    ann = Patient.objects.get(local_ids__value="R-001")
    ann.teams.set([other_team])
    with (
        pytest.raises(ValidationError, match="“R-001” was this team's identifier"),
        transaction.atomic(),
    ):
        import_apply(checked, user=clinician)
    ann.refresh_from_db()
    assert (ann.display_name, list(ann.teams.all())) == ("Ann A.", [other_team])
