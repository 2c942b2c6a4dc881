"""The demo cohort shows what case-mix adjustment does, and ``seed_demo`` stores the comparison.

In the demo, people's ratings move with their age, number of conditions and stage, never with
their team (``demo.vocabulary.COURSE_*``), while the teams care for different people
(``CASE_MIX``). Meadowbank Health Centre has a young list with few conditions, so its patients'
mean change in the index is far above everyone's: beyond the 99.8 % limit a funnel of raw figures
would draw. Set beside what its own patients would be expected to show, it is within the expected
range. The cohort is fixed by its seed and anchor (as tests/demo/test_cohort_digest.py pins its
rows), so these are the values the comparison really computes; a change to the generator that
moves them shows here.
"""

import html
import io
import re
import statistics
from datetime import date

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from demo.vocabulary import DEMO_TEAM_NAMES
from indicators.comparison import (
    LEVEL_998,
    WITHIN,
    funnel_limits_mean,
    z_for_level,
)
from indicators.comparisons import FIGURES, comparison_for_user, comparison_rows
from indicators.models import ComparisonRun, TeamComparison
from indicators.small_numbers import SMALL_NUMBER
from patients.models import User

pytestmark = pytest.mark.django_db

# The fewest patients for which this seed shows the effect plainly, so the module stays fast.
PATIENTS = 120
SEED = 3
ANCHOR = date(2026, 11, 1)
PERIODS = ["2026Q2", "2026Q3"]  # the last two complete quarters before the anchor's
PERIOD = "2026Q2"
TEAM = "Meadowbank Health Centre"
MEAN_CHANGE = TeamComparison.Figure.MEAN_CHANGE


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """``seed_demo``'s output for a seeded cohort, rolled back when the module ends."""
    options = {"patients": PATIENTS, "seed": SEED, "anchor_date": ANCHOR.isoformat()}
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(PASSWORD_HASHERS=fast):
            out = io.StringIO()
            call_command("seed_demo", force=True, stdout=out, **options)
        yield out.getvalue()
        transaction.set_rollback(True)


def test_seeding_stores_the_comparison_of_the_last_two_complete_quarters(seeded):
    assert sorted(ComparisonRun.objects.values_list("period", flat=True)) == PERIODS
    assert "Teams compared for 2026Q2 and 2026Q3" in seeded
    for run in ComparisonRun.objects.all():
        assert run.patients == PATIENTS
        stored = set(run.teams.values_list("team__name", "figure"))
        assert stored == {(name, figure) for name in DEMO_TEAM_NAMES for figure in FIGURES}


def test_every_demo_team_is_shown_in_every_figure(seeded):
    for row in TeamComparison.objects.filter(run__period__in=PERIODS):
        assert row.shown, (row.team.name, row.figure)
        assert row.n >= SMALL_NUMBER


def test_a_young_practice_is_far_above_everyone_raw_but_within_the_expected_range_adjusted(
    seeded,
):
    run = ComparisonRun.objects.get(period=PERIOD)
    team = run.teams.get(figure=MEAN_CHANGE, team__name=TEAM)
    theta0 = run.figures[MEAN_CHANGE]["target"]
    rows, _ = comparison_rows(PERIOD)
    changes = [row.outcomes[MEAN_CHANGE] for row in rows if row.outcomes[MEAN_CHANGE] is not None]
    # A funnel of raw figures: the overall mean change ± z·s/√n, s the spread of every change.
    _, raw_upper = funnel_limits_mean(
        theta0, statistics.stdev(changes), team.n, z_for_level(LEVEL_998)
    )

    # Raw, the practice's patients improve far more than everyone's: beyond the 99.8 % limit ...
    assert team.observed > raw_upper > theta0
    # ... and its case mix alone says they would: its expected figure is beyond it too.
    assert team.expected > raw_upper
    # Adjusted (θ₀ + O − E), it is within the expected range, nearer the overall figure than a
    # third of the raw distance.
    assert team.adjusted == pytest.approx(theta0 + team.observed - team.expected)
    assert team.lower_998 < team.adjusted < team.upper_998
    assert team.position == WITHIN
    assert abs(team.adjusted - theta0) < abs(team.observed - theta0) / 3


def test_no_demo_team_is_beyond_the_outer_limits_once_adjusted(seeded):
    # Teams have no effect of their own in the demo: only chance moves the adjusted figures.
    for row in TeamComparison.objects.filter(run__period__in=PERIODS, figure=MEAN_CHANGE):
        assert row.lower_998 <= row.adjusted <= row.upper_998, (row.team.name, row.run.period)


def test_demo_network_compares_all_six_teams_and_demo_manager_their_two_practices(seeded):
    network = User.objects.get(username="demo-network")
    manager = User.objects.get(username="demo-manager")

    for_network = comparison_for_user(user=network, period=PERIOD)
    for_manager = comparison_for_user(user=manager, period=PERIOD)

    assert [team["name"] for team in for_network["teams"]] == sorted(
        DEMO_TEAM_NAMES, key=str.casefold
    )
    assert [team["name"] for team in for_manager["teams"]] == [TEAM, "Riverside General Practice"]


def test_the_comparison_page_shows_the_demo_teams_right_after_seeding(client, seeded):
    client.force_login(User.objects.get(username="demo-network"))

    response = client.get(reverse("dashboards:comparison"), {"period": PERIOD})

    assert response.status_code == 200
    rows = re.findall(
        r'<th scope="row">([^<]+)</th>.*?<td class="position">([^<]+)</td>',
        response.content.decode(),
        re.S,
    )
    names = [html.unescape(name) for name, _ in rows]
    assert names == sorted(DEMO_TEAM_NAMES, key=str.casefold)
    assert dict(zip(names, (position for _, position in rows), strict=True))[TEAM] == (
        "within the expected range"
    )
