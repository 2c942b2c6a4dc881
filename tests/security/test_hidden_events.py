"""A life event the team has not shared with the patient reaches them by no route: not the
summaries API, not the context-events API, not the FHIR export, not a portal page, and not the
wording of *Who has seen my record*. Staff still see it, marked as not shared."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import URLPattern, get_resolver, reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from assessments.services import personal_item_create, priorities_set, rating_record
from indicators.services import patient_summaries_compute
from patients.models import ContextEvent
from patients.services import context_event_record
from tests.support.two_step import sign_in_with_code

pytestmark = pytest.mark.django_db

HIDDEN_DAY = dt.date(2026, 2, 11)
HIDDEN_TRACES = ["2026-02-11", "11 February 2026", "11 Feb 2026", "Staff-only-9b1e", "ereavement"]
SHARED_DAY = dt.date(2026, 2, 20)


@pytest.fixture
def events(patient, clinician):
    hidden = context_event_record(
        patient=patient,
        kind=ContextEvent.Kind.BEREAVEMENT,
        occurred_on=HIDDEN_DAY,
        note="Staff-only-9b1e",
        recorded_by=clinician,
        visible_to_patient=False,
    )
    shared = context_event_record(
        patient=patient,
        kind=ContextEvent.Kind.NEW_JOB,
        occurred_on=SHARED_DAY,
        recorded_by=clinician,
    )
    patient_summaries_compute(lo=patient.pk, hi=patient.pk)
    return hidden, shared


def patient_api_reads(patient_id: int) -> list[str]:
    """Every GET of the API schema about one patient, filled in for this patient."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = []
    for path, operations in schema["paths"].items():
        if "get" in operations and "{patient_id}" in path:
            paths.append(
                path.replace("{patient_id}", str(patient_id))
                .replace("{period}", "2026Q1")
                .replace("{loinc}", "59261-8")
            )
    return paths


def portal_pages() -> list[str]:
    """Every portal address that takes no argument, read from the URL configuration."""
    portal = next(
        p
        for p in get_resolver().url_patterns
        if hasattr(p, "url_patterns") and str(p.pattern) == "me/"
    )
    return [
        "/me/" + str(p.pattern)
        for p in portal.url_patterns
        if isinstance(p, URLPattern) and "<" not in str(p.pattern)
    ]


def test_the_patient_api_and_fhir_export_withhold_the_hidden_event(patient, events):
    client = APIClient()
    client.force_login(patient.user)
    reads = patient_api_reads(patient.pk)
    assert f"/api/v1/patients/{patient.pk}/summaries/" in reads
    assert f"/api/v1/fhir/Patient/{patient.pk}/$everything" in reads

    for url in reads:
        body = client.get(url).content.decode()
        for trace in HIDDEN_TRACES:
            assert trace not in body, (url, trace)

    quarter = client.get(f"/api/v1/patients/{patient.pk}/summaries/2026Q1/").json()
    assert quarter["attribution_caveat"] is True
    assert quarter["context_events"] == [
        {"kind": "new_job", "occurred_on": "2026-02-20", "visible_to_patient": True}
    ]


def test_a_quarter_with_only_a_hidden_event_carries_no_caveat_for_the_patient(patient, clinician):
    context_event_record(
        patient=patient,
        kind=ContextEvent.Kind.BEREAVEMENT,
        occurred_on=HIDDEN_DAY,
        recorded_by=clinician,
        visible_to_patient=False,
    )
    patient_summaries_compute(lo=patient.pk, hi=patient.pk)
    path = f"/api/v1/patients/{patient.pk}/summaries/2026Q1/"
    as_patient, as_staff = APIClient(), APIClient()
    as_patient.force_login(patient.user)
    as_staff.force_login(clinician)

    theirs = as_patient.get(path).json()
    staffs = as_staff.get(path).json()

    assert (theirs["attribution_caveat"], theirs["context_events"]) == (False, [])
    assert staffs["attribution_caveat"] is True
    listed = as_patient.get(f"/api/v1/patients/{patient.pk}/summaries/").json()
    assert [q["attribution_caveat"] for q in listed] == [False]


def test_staff_see_the_hidden_event_marked_as_not_shared(patient, clinician, events):
    client = APIClient()
    client.force_login(clinician)

    quarter = client.get(f"/api/v1/patients/{patient.pk}/summaries/2026Q1/").json()

    assert quarter["context_events"] == [
        {"kind": "bereavement", "occurred_on": "2026-02-11", "visible_to_patient": False},
        {"kind": "new_job", "occurred_on": "2026-02-20", "visible_to_patient": True},
    ]


def test_no_portal_page_shows_the_hidden_event(client, patient, events):
    client.force_login(patient.user)
    pages = portal_pages()
    assert "/me/progress/" in pages
    assert "/me/who-has-seen-my-record/" in pages

    for url in pages:
        response = client.get(url)
        if response.status_code != 200:
            continue
        body = response.content.decode()
        for trace in HIDDEN_TRACES:
            assert trace not in body, (url, trace)
    assert "New job" in client.get("/me/progress/").content.decode()


def test_who_has_seen_my_record_does_not_say_a_life_event_was_recorded(client, patient, clinician):
    staff = Client()
    staff.force_login(clinician)
    staff.post(
        reverse("clinic:context-event-add", args=[patient.pk]),
        {
            "new-event-kind": "bereavement",
            "new-event-occurred_on": "2026-02-11",
            "new-event-note": "Staff-only-9b1e",
        },
    )
    api = APIClient()
    api.force_login(clinician)
    api.post(
        f"/api/v1/patients/{patient.pk}/context-events/",
        {"kind": "bereavement", "occurred_on": "2026-02-12", "visible_to_patient": False},
        format="json",
    )
    assert ContextEvent.objects.filter(patient=patient, visible_to_patient=False).count() == 2

    client.force_login(patient.user)
    html = client.get("/me/who-has-seen-my-record/").content.decode()

    assert "changed your record" in html
    assert "added to your record" in html
    assert "life" not in html.lower()
    assert "happened" not in html


def test_an_event_made_staff_only_in_the_admin_leaves_the_patients_summaries(
    client, admin_user, patient, events, django_capture_on_commit_callbacks
):
    """The admin changes a care record as a service does: the patient's summaries are flagged
    and recomputed, so a stored summary never goes on showing an event no longer shared."""
    _hidden, shared = events
    api = APIClient()
    api.force_login(patient.user)
    summary = f"/api/v1/patients/{patient.pk}/summaries/2026Q1/"
    assert [e["kind"] for e in api.get(summary).json()["context_events"]] == ["new_job"]
    sign_in_with_code(client, admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:patients_contextevent_change", args=[shared.pk]),
            {  # the box "visible to patient" left out: unticked
                "patient": patient.pk,
                "kind": shared.kind,
                "occurred_on": SHARED_DAY.isoformat(),
                "note": "",
                "recorded_by": shared.recorded_by_id,
            },
        )

    assert response.status_code == 302
    shared.refresh_from_db()
    assert shared.visible_to_patient is False
    answer = api.get(summary).json()
    assert (answer["context_events"], answer["stale"]) == ([], False)


def test_a_rating_deleted_in_the_admin_leaves_the_patients_summaries(
    client, admin_user, patient, django_capture_on_commit_callbacks
):
    rating = rating_record(
        patient=patient, element="H1", value=7, rated_on=SHARED_DAY, rater="patient"
    )
    patient_summaries_compute(lo=patient.pk, hi=patient.pk)
    api = APIClient()
    api.force_login(patient.user)
    summary = f"/api/v1/patients/{patient.pk}/summaries/2026Q1/"
    assert api.get(summary).json()["index"] == 70
    sign_in_with_code(client, admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:assessments_rating_delete", args=[rating.pk]), {"post": "yes"}
        )

    assert response.status_code == 302
    assert api.get(summary).status_code == 404


def test_a_personal_item_moved_to_another_domain_in_the_admin_moves_it_in_the_summaries(
    client, admin_user, patient, django_capture_on_commit_callbacks
):
    item = personal_item_create(patient=patient, label="Gardening", domain="M")
    rating_record(patient=patient, element=item.key, value=3, rated_on=SHARED_DAY, rater="patient")
    rating_record(patient=patient, element="H1", value=9, rated_on=SHARED_DAY, rater="patient")
    priorities_set(patient=patient, effective_from=HIDDEN_DAY, points={"H1": 50, item.key: 50})
    patient_summaries_compute(lo=patient.pk, hi=patient.pk)
    api = APIClient()
    api.force_login(patient.user)
    summary = f"/api/v1/patients/{patient.pk}/summaries/2026Q1/"
    assert api.get(summary).json()["domains"]["M"]["score"] == 30
    sign_in_with_code(client, admin_user)
    page = client.get(reverse("admin:assessments_element_change", args=[item.pk]))
    form = {
        name: value
        for name, value in page.context["adminform"].form.initial.items()
        if value is not None
    }

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:assessments_element_change", args=[item.pk]),
            {**form, "domain": "R", "patient": patient.pk},
        )

    assert response.status_code == 302, response.context["adminform"].form.errors
    domains = api.get(summary).json()["domains"]
    assert (domains["M"]["score"], domains["R"]["score"]) == (None, 30)
