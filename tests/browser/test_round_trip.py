"""Every edit form, saved once without a change, stores exactly what it showed: no date, number,
choice or text is lost on the way through the browser."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from assessments.models import Goal, PersonalTarget
from assessments.services import goal_create, goal_update, priorities_set, target_set
from patients.models import Agenda, Condition
from patients.services import agenda_write, condition_record
from tests.browser.conftest import sign_in
from tests.browser.remote import expect
from tests.conftest import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def supporting_records(patient, clinician):
    condition_record(patient=patient, snomed_code="49049000", onset=dt.date(2017, 5, 6), stage=2)
    condition_record(patient=patient, snomed_code="44054006", onset=dt.date(2019, 11, 30))
    target_set(patient=patient, loinc="59261-8", low=Decimal("48"), high=Decimal("58"))
    target_set(patient=patient, loinc="29463-7", relevant=False, reason="Losing weight unwanted")
    goal = goal_create(
        patient=patient,
        description="Walk to the park",
        expected_outcome="Twice a week without stopping",
        domain="H",
        baseline_on=dt.date(2026, 1, 5),
    )
    closed = goal_create(patient=patient, description="Stop smoking", domain="H")
    goal_update(goal=closed, description="Stop smoking", active=False)
    return goal


def stored(patient) -> dict:
    """What the edit forms can change, as stored."""
    return {
        "conditions": sorted(
            Condition.objects.filter(patient=patient).values_list("code_id", "onset", "stage")
        ),
        "targets": sorted(
            PersonalTarget.objects.filter(patient=patient).values_list(
                "marker_id", "low", "high", "relevant", "reason"
            )
        ),
        "goals": sorted(
            Goal.objects.filter(patient=patient).values_list(
                "id", "description", "expected_outcome", "active"
            )
        ),
    }


def test_the_supporting_records_forms_saved_unchanged_change_nothing(
    page, clinician, patient, supporting_records
):
    before = stored(patient)
    sign_in(page, "nurse", PASSWORD)
    path = reverse("clinic:records", args=[patient.pk])
    saves = [
        *(f"Save {c.code.display}" for c in Condition.objects.filter(patient=patient)),
        *(
            f"Save target for {t.marker.name}"
            for t in PersonalTarget.objects.filter(patient=patient)
        ),
    ]
    for name in saves:
        page.goto(path)
        page.get_by_role("button", name=name, exact=True).click()
        expect(page.get_by_role("status")).to_contain_text("Saved:")
        assert stored(patient) == before, name
    for n in range(Goal.objects.filter(patient=patient).count()):
        page.goto(path)
        page.get_by_role("button", name="Save this goal", exact=True).nth(n).click()
        expect(page.get_by_role("status")).to_contain_text("Saved: goal")
        assert stored(patient) == before, f"goal {n}"


def test_the_portal_forms_saved_unchanged_change_nothing(page, patient):
    patient.user.email = "pat@example.org"
    patient.user.reminders_opt_out = True
    patient.user.save()
    priorities_set(patient=patient, effective_from=dt.date(2026, 1, 5), points={"H1": 60, "M2": 40})
    agenda_write(patient=patient, questions="Can I change my tablets?", hard="Mornings")

    def snapshot():
        patient.user.refresh_from_db()
        latest = patient.priority_sets.order_by("-id").first()
        return {
            "user": (patient.user.email, patient.user.reminders_opt_out),
            "agenda": list(Agenda.objects.values_list("questions", "hard", "going_well")),
            "points": {p.element.key: p.points for p in latest.points.all()},
        }

    before = snapshot()
    sign_in(page, "pat", PASSWORD)
    for name, button in (
        ("portal:settings", "Save my settings"),
        ("portal:agenda", "Save"),
        ("portal:priorities", "Save what matters to me"),
    ):
        page.goto(reverse(name))
        page.get_by_role("button", name=button, exact=True).click()
        expect(page.locator(".messages")).to_contain_text("aved")
        assert snapshot() == before, name


def test_on_a_dutch_page_decimals_shown_with_a_comma_are_saved_unchanged(page, clinician, patient):
    """A Dutch page writes 2,5 and 48,5 in the boxes it reads them from: saved unchanged, each
    comes back as the number it was, never ten times it or refused."""
    condition_record(
        patient=patient, snomed_code="49049000", onset=dt.date(2017, 5, 6), stage=Decimal("2.5")
    )
    target_set(patient=patient, loinc="59261-8", low=Decimal("48.5"), high=Decimal("58.25"))
    clinician.language = "nl"
    clinician.save()
    before = stored(patient)
    sign_in(page, "nurse", PASSWORD)
    path = reverse("clinic:records", args=[patient.pk])
    with translation.override("nl"):
        saves = [
            *(
                gettext("Save %(condition)s") % {"condition": c.code.display}
                for c in Condition.objects.filter(patient=patient).select_related("code")
            ),
            *(
                gettext("Save target for %(marker)s") % {"marker": t.marker.name}
                for t in PersonalTarget.objects.filter(patient=patient).select_related("marker")
            ),
        ]
    page.goto(path)
    expect(page.locator("input[name$=stage]").first).to_have_value("2,5")
    for name in saves:
        page.goto(path)
        page.get_by_role("button", name=name, exact=True).click()
        expect(page.get_by_role("status")).to_contain_text("Bewaard:")
        assert stored(patient) == before, name
