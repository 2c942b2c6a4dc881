"""The clinic's import pages: choose a file, see every refused row, import, see the progress."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from patients.imports import MAX_BYTES
from patients.models import Membership, Patient, PatientImport
from tests.factories import MembershipFactory, UserFactory
from tests.support.two_step import sign_in_with_code

GOOD = b"display_name,birth_year,local_id\nAnn A.,1950,R-1\nBob B.,1960,R-2\n"


def upload(client, team, data, name="list.csv"):
    return client.post(
        reverse("clinic:import-start"),
        {"team": team.pk, "file": SimpleUploadedFile(name, data, content_type="text/csv")},
    )


@pytest.mark.django_db
def test_preview_then_import(client, team, clinician):
    client.force_login(clinician)
    response = upload(client, team, GOOD)
    record = PatientImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("clinic:import", args=[record.pk])
    page = client.get(response["Location"])
    text = page.content.decode()
    assert "New patients</dt><dd>2</dd>" in text
    assert "Import 2 rows" in text
    assert Patient.objects.count() == 0
    done = client.post(reverse("clinic:import-run", args=[record.pk]), follow=True)
    assert "Imported 2 patients." in done.content.decode()
    assert sorted(Patient.objects.values_list("display_name", flat=True)) == ["Ann A.", "Bob B."]
    record.refresh_from_db()
    assert (record.state, record.created, record.text) == ("done", 2, "")
    again = client.post(reverse("clinic:import-run", args=[record.pk]))
    assert again.status_code == 302
    assert Patient.objects.count() == 2


@pytest.mark.django_db
def test_refused_rows_are_listed_and_no_import_button(client, team, clinician):
    client.force_login(clinician)
    bad = GOOD + b"Cem C.,19x0,R-3\n"
    response = upload(client, team, bad)
    page = client.get(response["Location"]).content.decode()
    assert "Nothing was imported: please fix 1 row" in page
    assert "<td>4</td><td><code>birth_year</code></td>" in page
    assert "Write the year of birth as four digits" in page
    assert "Import 3 rows" not in page
    record = PatientImport.objects.get()
    response = client.post(reverse("clinic:import-run", args=[record.pk]), follow=True)
    assert "1 row has a problem" in response.content.decode()
    assert Patient.objects.count() == 0


@pytest.mark.django_db
def test_a_file_problem_is_said_beside_the_file_field(client, team, clinician):
    client.force_login(clinician)
    response = upload(client, team, b"name,year\nAnn,1950\n")
    assert response.status_code == 400
    assert "Missing: display_name, birth_year, local_id" in response.content.decode()
    assert PatientImport.objects.count() == 0


@pytest.mark.django_db
def test_a_file_too_large_is_refused_in_words(client, team, clinician):
    client.force_login(clinician)
    response = upload(client, team, b"x" * (MAX_BYTES + 10))
    assert response.status_code == 400
    assert "the most one import takes is 20 MB" in response.content.decode()


@pytest.mark.django_db
def test_a_clinician_imports_only_into_their_own_teams(client, team, other_team, clinician):
    client.force_login(clinician)
    response = upload(client, other_team, GOOD)
    assert response.status_code == 400
    assert "Choose one of your teams." in response.content.decode()


@pytest.mark.django_db
def test_other_roles_are_refused(client, team, manager, patient):
    for user in (manager, patient.user):
        client.force_login(user)
        assert client.get(reverse("clinic:import-start")).status_code == 403
        assert upload(client, team, GOOD).status_code == 403
    assert PatientImport.objects.count() == 0


@pytest.mark.django_db
def test_an_administrator_imports_into_any_team(client, team, admin_user):
    sign_in_with_code(client, admin_user)
    response = upload(client, team, GOOD)
    record = PatientImport.objects.get()
    assert response.status_code == 302
    client.post(reverse("clinic:import-run", args=[record.pk]))
    assert Patient.objects.filter(teams=team).count() == 2


@pytest.mark.django_db
def test_a_preview_is_its_makers_alone(client, team, clinician):
    client.force_login(clinician)
    upload(client, team, GOOD)
    record = PatientImport.objects.get()
    colleague = UserFactory(username="colleague", role="clinician")
    team.members.add(colleague, through_defaults={"role": "clinician"})
    client.force_login(colleague)
    assert client.get(reverse("clinic:import", args=[record.pk])).status_code == 404
    assert client.post(reverse("clinic:import-run", args=[record.pk])).status_code == 404
    assert client.get(reverse("clinic:import-progress", args=[record.pk])).status_code == 404
    assert Patient.objects.count() == 0


@pytest.mark.django_db
def test_a_large_file_runs_as_a_job_with_progress(client, team, clinician, settings, monkeypatch):
    monkeypatch.setattr("clinic.views.imports.BACKGROUND_ROWS", 1)
    client.force_login(clinician)
    upload(client, team, GOOD)
    record = PatientImport.objects.get()
    # Tasks run in-process in the tests: the job has finished when the POST returns.
    response = client.post(reverse("clinic:import-run", args=[record.pk]))
    assert response.status_code == 302
    status = client.get(reverse("clinic:import-progress", args=[record.pk])).json()
    assert status == {"state": "done", "done": 2, "rows": 2, "percent": 100}
    assert Patient.objects.count() == 2


@pytest.mark.django_db
def test_a_running_import_shows_its_progress_bar(client, team, clinician):
    client.force_login(clinician)
    upload(client, team, GOOD)
    record = PatientImport.objects.get()
    PatientImport.objects.filter(pk=record.pk).update(state="running")
    page = client.get(reverse("clinic:import", args=[record.pk])).content.decode()
    assert '<progress id="import-progress" max="2" value="0"' in page
    assert "0 of 2 rows done." in page


@pytest.mark.django_db
def test_a_job_that_cannot_start_leaves_the_preview_to_try_again(
    client, team, clinician, monkeypatch
):
    monkeypatch.setattr("clinic.views.imports.BACKGROUND_ROWS", 1)
    monkeypatch.setattr("clinic.views.imports.enqueue", lambda *args: False)
    client.force_login(clinician)
    upload(client, team, GOOD)
    record = PatientImport.objects.get()
    page = client.post(reverse("clinic:import-run", args=[record.pk]), follow=True)
    assert "could not be started just now" in page.content.decode()
    record.refresh_from_db()
    assert record.state == "previewed"
    assert Patient.objects.count() == 0


@pytest.mark.django_db
def test_an_empty_submission_is_refused_naming_the_team_and_the_file(clinician):
    """An empty body (the CSRF token in its header) is a submission with nothing chosen, not the
    page opened: 400 with both messages, as when either one is missing."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(clinician)
    client.get(reverse("clinic:import-start"))

    response = client.post(
        reverse("clinic:import-start"),
        "",
        content_type="application/x-www-form-urlencoded",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "team": ["Choose the team these patients are for."],
        "file": ["Choose the CSV file to import."],
    }
    assert PatientImport.objects.count() == 0


@pytest.mark.django_db
def test_a_file_sent_without_a_team_is_refused_naming_the_team(client, clinician):
    client.force_login(clinician)
    data = SimpleUploadedFile("list.csv", GOOD, content_type="text/csv")

    response = client.post(reverse("clinic:import-start"), {"file": data})

    assert response.status_code == 400
    assert response.context["form"].errors == {"team": ["Choose the team these patients are for."]}
    assert PatientImport.objects.count() == 0


@pytest.mark.django_db
def test_a_preview_cannot_be_run_or_seen_after_its_maker_leaves_the_team(
    client, team, other_team, clinician
):
    MembershipFactory(user=clinician, team=other_team, role="clinician")
    client.force_login(clinician)
    upload(client, team, GOOD)
    record = PatientImport.objects.get()
    Membership.objects.filter(user=clinician, team=team).delete()
    assert client.post(reverse("clinic:import-run", args=[record.pk])).status_code == 404
    assert client.get(reverse("clinic:import", args=[record.pk])).status_code == 404
    assert client.get(reverse("clinic:import-progress", args=[record.pk])).status_code == 404
    assert "Your recent imports" not in client.get(reverse("clinic:import-start")).content.decode()
    record.refresh_from_db()
    assert (record.state, Patient.objects.count()) == ("previewed", 0)


@pytest.mark.django_db
def test_a_condition_with_its_onset_after_an_at_sign_is_previewed_and_imported(
    client, team, clinician
):
    client.force_login(clinician)
    data = b"display_name,birth_year,local_id,conditions\nGrace H.,1948,RGP-1,44054006@2019-03-01\n"

    response = upload(client, team, data)
    page = client.get(response["Location"]).content.decode()

    assert "New patients</dt><dd>1</dd>" in page
    assert "Nothing was imported" not in page
    record = PatientImport.objects.get()
    client.post(reverse("clinic:import-run", args=[record.pk]))
    grace = Patient.objects.get(display_name="Grace H.")
    assert list(grace.conditions.values_list("code__snomed_code", "onset")) == [
        ("44054006", dt.date(2019, 3, 1))
    ]
