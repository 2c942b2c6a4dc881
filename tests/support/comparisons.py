"""A small installation of teams for the fair comparison's tests: stored summaries of two
quarters with varied case mix (or with a case mix that barely varies), people in a role over
some of the teams, and a funnel plot's scales and curves read back from its SVG."""

import re
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


def patient_with_quarters(
    rng,
    teams,
    *,
    baseline: float | None = 50.0,
    stage=None,
    birth_year: int | None = None,
    own_priorities: bool | None = None,
    patient_initiated: int | None = None,
):
    """A patient of ``teams`` with a stored summary in BEFORE (index ``baseline``) and PERIOD.

    The rest of their case mix and outcomes is drawn from ``rng`` unless given (the draws are
    made either way, so giving one changes nothing else)."""
    drawn_birth_year = int(rng.choice([1940, 1955, 1965, 1985]))
    person = PatientFactory(
        teams=teams, birth_year=drawn_birth_year if birth_year is None else birth_year
    )
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
    coverage = float(rng.choice([0.5, 0.75, 1.0]))
    contacts = int(rng.integers(0, 3))
    caveat = bool(rng.random() < 0.3)
    own = bool(rng.random() < 0.5)
    PatientSummary.objects.create(
        patient=person,
        period=PERIOD,
        index=None if baseline is None else min(100.0, max(0.0, baseline + change)),
        change=change,
        direction=direction,
        coverage=coverage,
        patient_initiated=contacts if patient_initiated is None else patient_initiated,
        attribution_caveat=caveat,
        weights_source="patient"
        if (own if own_priorities is None else own_priorities)
        else "default",
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


def uniform_installation():
    """Two teams, Alder (9 patients) and Birch (8), whose case mix barely varies: everyone born
    in 1945 (one age band), no stage recorded, everyone with their own priorities; and no
    patient-initiated contact anywhere, so that share has nothing to adjust for."""
    rng = np.random.default_rng(11)
    alder, birch = TeamFactory(name="Alder"), TeamFactory(name="Birch")
    for team, n in ((alder, 9), (birch, 8)):
        for _ in range(n):
            patient_with_quarters(
                rng,
                [team],
                baseline=float(rng.uniform(30, 80)),
                birth_year=1945,
                own_priorities=True,
                patient_initiated=0,
            )
    return {"alder": alder, "birch": birch}


def someone(role: str, *teams) -> User:
    """A user in ``role`` with a membership in that role of each of ``teams``."""
    user = UserFactory(role=role)
    for team in teams:
        MembershipFactory(user=user, team=team, role=role)
    return user


# --- Reading a funnel plot back --------------------------------------------------------------


def _tick_value(label: str) -> float:
    """A tick label's value: "−2.5" or "25%" (English)."""
    text = label.replace("\u2212", "-").replace(",", "")
    if text.endswith("%"):
        return float(text[:-1]) / 100
    return float(text)


class Axes:
    """The chart's scales, from its tick labels: x ticks centred under the axis, y ticks 4 units
    below their grid line."""

    def __init__(self, svg: str):
        texts = re.findall(
            r'<text x="([-\d.]+)" y="([-\d.]+)" fill="[^"]+" text-anchor="(middle|end)">'
            r"([^<]+)</text>",
            svg,
        )
        x_ticks, y_ticks = [], []
        for x, y, anchor, label in texts:
            try:
                value = _tick_value(label)
            except ValueError:
                continue  # an axis's name
            if anchor == "middle":
                x_ticks.append((value, float(x)))
            else:
                y_ticks.append((value, float(y) - 4))
        (self.x_low, self.x_first), (self.x_high, self.x_last) = x_ticks[0], x_ticks[-1]
        (self.y_low, self.y_first), (self.y_high, self.y_last) = y_ticks[0], y_ticks[-1]

    def n_at(self, x: float) -> int:
        share = (x - self.x_first) / (self.x_last - self.x_first)
        return round(self.x_low + share * (self.x_high - self.x_low))

    def x_at(self, n: float) -> float:
        share = (n - self.x_low) / (self.x_high - self.x_low)
        return self.x_first + share * (self.x_last - self.x_first)

    def y_at(self, value: float) -> float:
        share = (value - self.y_low) / (self.y_high - self.y_low)
        return self.y_first + share * (self.y_last - self.y_first)


def curves_of(svg: str) -> dict[str, list[tuple[float, float]]]:
    """Each limit curve's points, by the limit it draws."""
    found = re.findall(r'<polyline data-limit="(\w+)" points="([^"]+)"([^>]*)/>', svg)
    return {
        key: [tuple(float(v) for v in pair.split(",")) for pair in points.split()]
        for key, points, _rest in found
    }
