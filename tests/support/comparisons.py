"""A small installation of teams for the fair comparison's tests: stored summaries of two
quarters with varied case mix, and people in a role over some of the teams."""

from decimal import Decimal

import numpy as np

from indicators.models import PatientSummary
from patients.models import Condition, User
from tests.factories import (
    MembershipFactory,
    PatientFactory,
    TeamFactory,
    UserFactory,
    condition_code,
)

BEFORE, PERIOD = "2025Q3", "2025Q4"
T2D, PARKINSONS, HYPERTENSION = "44054006", "49049000", "38341003"


def patient_with_quarters(rng, teams, *, baseline: float | None = 50.0, stage=None):
    """A patient of ``teams`` with a stored summary in BEFORE (index ``baseline``) and PERIOD."""
    person = PatientFactory(teams=teams, birth_year=int(rng.choice([1940, 1955, 1965, 1985])))
    Condition.objects.create(patient=person, code=condition_code(T2D))
    if rng.random() < 0.4:
        Condition.objects.create(patient=person, code=condition_code(HYPERTENSION))
    if stage is not None:
        Condition.objects.create(
            patient=person, code=condition_code(PARKINSONS), stage=Decimal(stage)
        )
    PatientSummary.objects.create(patient=person, period=BEFORE, index=baseline, coverage=0.8)
    change = None if baseline is None else float(np.round(rng.normal(2.0, 6.0), 2))
    direction = ""
    if change is not None:
        direction = "improved" if change > 2 else "declined" if change < -2 else "stable"
    PatientSummary.objects.create(
        patient=person,
        period=PERIOD,
        index=None if baseline is None else min(100.0, max(0.0, baseline + change)),
        change=change,
        direction=direction,
        coverage=float(rng.choice([0.5, 0.75, 1.0])),
        patient_initiated=int(rng.integers(0, 3)),
        attribution_caveat=bool(rng.random() < 0.3),
        weights_source="patient" if rng.random() < 0.5 else "default",
    )
    return person


def comparison_installation():
    """Three teams: Alder (16 patients), Birch (11, one shared with Alder), Cedar (3: too few)."""
    rng = np.random.default_rng(7)
    alder, birch, cedar = (TeamFactory(name=name) for name in ("Alder", "Birch", "Cedar"))
    for i in range(15):
        baseline = float(rng.uniform(30, 80))
        patient_with_quarters(rng, [alder], baseline=baseline, stage=[None, 1, 3, 5][i % 4])
    shared = patient_with_quarters(rng, [alder, birch], baseline=55.0, stage=2)
    for _ in range(10):
        patient_with_quarters(rng, [birch], baseline=float(rng.uniform(30, 80)))
    for _ in range(3):
        patient_with_quarters(rng, [cedar], baseline=float(rng.uniform(30, 80)))
    patient_with_quarters(rng, [birch], baseline=None)  # no baseline: takes no part
    return {"alder": alder, "birch": birch, "cedar": cedar, "shared": shared}


def someone(role: str, *teams) -> User:
    """A user in ``role`` with a membership in that role of each of ``teams``."""
    user = UserFactory(role=role)
    for team in teams:
        MembershipFactory(user=user, team=team, role=role)
    return user
