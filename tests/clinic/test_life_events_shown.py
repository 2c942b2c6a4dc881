"""One life event (or one review of a goal) reads as a sentence; a list only when there are
several: on the clinician's record and records page and on the patient's progress page."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.services import goal_review_record
from tests.factories import ContextEventFactory, GoalFactory

pytestmark = pytest.mark.django_db


def section(html: str, heading: str) -> str:
    """The markup from a heading to the next heading of the same page."""
    start = html.index(heading)
    end = re.search(r"<h2[ >]", html[start + len(heading) :])
    return html[start : start + len(heading) + (end.start() if end else len(html))]


def event(patient, days_ago: int, kind: str, note: str):
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    return ContextEventFactory(patient=patient, kind=kind, occurred_on=day, note=note)


@pytest.mark.parametrize(
    ("name", "heading"),
    [
        ("clinic:patient", "What has happened around them"),
        ("clinic:records", "Life events and changes in condition"),
    ],
)
def test_the_clinician_reads_one_life_event_as_a_sentence_and_several_as_a_list(
    client, clinician, patient, name, heading
):
    client.force_login(clinician)
    event(patient, 10, "admission", "Home now")
    path = reverse(name, args=[patient.pk])

    one = section(client.get(path).text, heading)
    event(patient, 40, "bereavement", "Lost her brother")
    several = section(client.get(path).text, heading)

    assert "<li>" not in one
    assert re.search(r"<p><time [^>]+>[^<]+</time>: Hospital admission: Home now", one)
    assert several.count("<li>") == 2
    assert "1." not in one


def test_the_record_says_nothing_recorded_in_a_sentence(client, clinician, patient):
    client.force_login(clinician)

    html = section(client.get(reverse("clinic:patient", args=[patient.pk])).text, "around them")

    assert "<p>Nothing recorded.</p>" in html
    assert "<li>" not in html


def test_the_patient_reads_one_life_event_as_a_sentence_and_several_as_a_list(client, patient):
    client.force_login(patient.user)
    path = reverse("portal:progress")

    none = section(client.get(path).text, "What has happened")
    event(patient, 10, "admission", "Home now and recovering.")
    one = section(client.get(path).text, "What has happened")
    event(patient, 40, "new_job", "")
    several = section(client.get(path).text, "What has happened")

    assert "<p>Nothing noted.</p>" in none
    assert "<li>" not in none
    assert "<li>" not in one
    assert re.search(r"<p><time [^>]+>[^<]+</time>: Hospital admission. Home now and recov", one)
    assert several.count("<li>") == 2


def test_a_goal_reviewed_once_reads_as_a_sentence(client, patient):
    goal = GoalFactory(patient=patient, baseline_on=timezone.localdate() - dt.timedelta(days=30))
    goal_review_record(goal=goal, attainment=0, reviewed_on=timezone.localdate())
    client.force_login(patient.user)

    once = section(client.get(reverse("portal:progress")).text, "My goals")
    goal_review_record(goal=goal, attainment=1, reviewed_on=timezone.localdate())
    twice = section(client.get(reverse("portal:progress")).text, "My goals")

    assert "<li>" not in once
    assert re.search(r"<p><time [^>]+>[^<]+</time>: as expected", once)
    assert twice.count("<li>") == 2
