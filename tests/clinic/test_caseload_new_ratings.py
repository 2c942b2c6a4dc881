"""The caseload's "new ratings": a rating the patient gave themselves, saved after they were last
seen. It is read as the patient's latest own rating against their last encounter, so each case is
checked at its edges: no rating, only older ones, one saved after, and ratings that are not the
patient's own."""

import datetime as dt

import pytest
from django.urls import reverse

from assessments.models import Rating
from assessments.services import rating_record
from clinic.selectors import caseload_for_clinician
from tests.factories import EncounterFactory, PatientFactory

pytestmark = pytest.mark.django_db
SEEN = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)


def rated(patient, *, rater: str, saved: dt.datetime, clinician=None) -> None:
    """A rating by ``rater``, saved at ``saved`` (created_at is when it was saved)."""
    rating = rating_record(
        patient=patient,
        element="H1",
        value=6,
        rated_on=saved.date(),
        rater=rater,
        entered_by=clinician if rater != "patient" else None,
    )
    Rating.objects.filter(pk=rating.pk).update(created_at=saved)


def test_new_ratings_is_the_patients_own_rating_saved_after_they_were_last_seen(team, clinician):
    before, after = SEEN - dt.timedelta(days=1), SEEN + dt.timedelta(hours=1)
    people = {name: PatientFactory(display_name=name, teams=[team]) for name in "ABCDEFG"}
    for name in "BCDEFG":
        EncounterFactory(patient=people[name], clinician=clinician, occurred_at=SEEN)
    rated(people["A"], rater="patient", saved=before)  # never seen: any own rating is new
    # B has no rating at all
    rated(people["C"], rater="patient", saved=before)
    rated(people["D"], rater="patient", saved=before)
    rated(people["D"], rater="patient", saved=after)  # the latest counts, not the first
    rated(people["E"], rater="proxy", saved=after, clinician=clinician)
    rated(people["F"], rater="clinician", saved=after, clinician=clinician)
    rated(people["G"], rater="patient", saved=SEEN)  # saved during the encounter: not after it

    rows = {p.display_name: p.new_ratings for p in caseload_for_clinician(user=clinician)}

    assert rows == {
        "A": True,
        "B": False,
        "C": False,
        "D": True,
        "E": False,
        "F": False,
        "G": False,
    }


def test_sorting_by_something_new_puts_a_new_own_rating_first(client, team, clinician):
    quiet = PatientFactory(display_name="Aaron A.", teams=[team])
    talkative = PatientFactory(display_name="Zoe Z.", teams=[team])
    for person in (quiet, talkative):
        EncounterFactory(patient=person, clinician=clinician, occurred_at=SEEN)
    rated(talkative, rater="patient", saved=SEEN + dt.timedelta(days=2))
    client.force_login(clinician)

    response = client.get(reverse("clinic:caseload"), {"sort": "changed"})

    assert [p.display_name for p in response.context["page"]] == ["Zoe Z.", "Aaron A."]
    assert "New ratings" in response.content.decode()
