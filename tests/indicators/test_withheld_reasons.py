"""A figure that is not shown says why: "fewer than 5" only when it rests on fewer than 5 patients,
"hidden" when it is withheld so that a smaller number cannot be worked out, "no earlier quarter"
for a change with nothing to compare with; on the dashboards, the caseloads, the CSV and the API.
The small-number rule itself is unchanged."""

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.dashboard import DECLINED, IMPROVED, STABLE, figure_of
from indicators.figures import DIRECTIONS, SummaryRow, group_summary_figures
from indicators.models import TeamSummary
from indicators.patient_summaries import summaries_rebuild_all
from indicators.small_numbers import (
    FEWER_THAN_5,
    NO_EARLIER_QUARTER,
    PROTECTS_SMALLER,
    SMALL_NUMBER,
    WITHHELD_REASONS,
)
from tests.indicators.test_dashboard_pages import LATER, cohort, colleague, url

KINDS = ("progression", "admission", "bereavement")
HIDDEN_WORDS = "hidden, so that a smaller number cannot be worked out"


def dd(label: str, value: str) -> str:
    return f"<dt>{label}</dt><dd>{value}</dd>"


def csv_rows(client, team) -> list[dict]:
    response = client.get(url("team_export", team))
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def csv_row(rows, figure: str, statistic: str = "patients", quarter: str = LATER) -> dict:
    [row] = [
        r
        for r in rows
        if (r["quarter"], r["figure"], r["statistic"]) == (quarter, figure, statistic)
    ]
    return row


# --- The example: Declined 12 beside "fewer than 5" twice ---------------------------------


@pytest.fixture
def twelve_declines(team, clinician):
    """12 declines, 2 of them with a context event and 10 without; 6 patients stable."""
    cohort(team, clinician, [1] * 2, context="admission")
    cohort(team, clinician, [1] * 10)
    cohort(team, clinician, [5] * 6)
    summaries_rebuild_all()


@pytest.mark.django_db
def test_declines_split_by_context_say_which_part_is_small_and_which_is_hidden(
    client, team, manager, twelve_declines
):
    client.force_login(manager)

    overview = client.get(url("team_overview", team)).content.decode()
    context = client.get(url("team_context", team)).content.decode()

    assert dd("Declines with a context event", "fewer than 5") in overview
    assert dd("Declines without one", HIDDEN_WORDS) in overview
    assert dd("Declined", "12") in context
    assert dd("with a context event", "fewer than 5") in context
    assert dd("without one", HIDDEN_WORDS) in context
    assert "<dd>fewer than 5</dd>" not in context.split("without one")[1].split("</dl>")[0]


@pytest.mark.django_db
def test_the_csv_gives_a_distinct_reason_for_each_figure_not_shown(
    client, team, manager, twelve_declines
):
    client.force_login(manager)

    rows = csv_rows(client, team)

    with_one = csv_row(rows, "Declined, with a context event")
    without = csv_row(rows, "Declined, without a context event")
    declined = csv_row(rows, "Declined")
    assert (with_one["value"], with_one["suppressed"]) == ("", "yes")
    assert with_one["not_shown_because"] == "fewer than 5 patients"
    assert (without["value"], without["suppressed"]) == ("", "yes")
    assert without["not_shown_because"] == (
        "hidden so that a smaller number cannot be worked out from the others"
    )
    assert (declined["value"], declined["suppressed"], declined["not_shown_because"]) == (
        "12",
        "no",
        "",
    )
    earlier = csv_row(rows, "Improved", quarter="2025Q3")
    assert earlier["not_shown_because"] == "no earlier quarter to compare with"
    assert {r["not_shown_because"] for r in rows if r["suppressed"] == "no"} == {""}
    assert all(r["not_shown_because"] for r in rows if r["suppressed"] == "yes")


@pytest.mark.django_db
def test_the_api_keeps_suppressed_fields_and_adds_a_reason_for_every_hidden_figure(
    client, team, manager, twelve_declines
):
    client.force_login(manager)

    summary = client.get(f"/api/v1/teams/{team.pk}/summaries/{LATER}/").json()

    assert summary["suppressed"] is True
    assert summary["suppressed_fields"] == [
        "goal_attainment_median",
        "markers_in_target_share",
        "context_share",
    ]
    assert summary["declined"] == 12
    assert summary["declined_context"] == {"with_context": None, "without_context": None}
    assert summary["suppressed_reasons"] == {
        "goal_attainment_median": FEWER_THAN_5,
        "markers_in_target_share": FEWER_THAN_5,
        "context_share": FEWER_THAN_5,
        "context_patients": FEWER_THAN_5,
        "context_kinds.admission": FEWER_THAN_5,
        "declined_context.with_context": FEWER_THAN_5,
        "declined_context.without_context": PROTECTS_SMALLER,
        "priorities": FEWER_THAN_5,  # nobody set their own
    }


# --- No earlier quarter ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_first_quarter_says_no_earlier_quarter_for_change_on_every_page(
    client, team, clinician, manager
):
    cohort(team, clinician, [4, 5, 6, 7, 8, 9], before=None)
    summaries_rebuild_all()
    client.force_login(manager)

    overview = client.get(url("team_overview", team))
    trends = client.get(url("team_trends", team))
    context = client.get(url("team_context", team))
    caseloads = client.get(url("team_caseloads", team))
    rows = csv_rows(client, team)

    assert [d.text for d in overview.context["figures"]["directions"]] == ["no earlier quarter"] * 3
    assert '<td class="num">no earlier quarter</td>' in overview.content.decode()
    change = next(t for t in trends.context["trends"] if t.chart_id == "trend-change")
    assert change.rows[-1][1:] == ["no earlier quarter"] * 3
    assert f"{LATER} not shown (no earlier quarter to compare with)" in change.svg
    assert dd("Declined", "no earlier quarter to compare with") in context.content.decode()
    assert dd("without one", "no earlier quarter to compare with") in context.content.decode()
    assert context.context["trend"].rows[-1][2] == "no earlier quarter"
    [(_, figures, _)] = caseloads.context["caseloads"]
    assert [d.text for d in figures["directions"]] == ["no earlier quarter"] * 3
    for name in ("Improved", "Stable", "Declined"):
        assert csv_row(rows, name)["not_shown_because"] == "no earlier quarter to compare with"
    assert "fewer than 5" not in " ".join(change.rows[-1])


# --- Caseloads ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_caseload_hides_the_count_that_protects_a_small_one_as_hidden(client, team, manager):
    nia = colleague(team, "Nia", "Nine")
    cohort(team, nia, [9] * 5)  # improved: 5 → 9
    cohort(team, nia, [5] * 4)  # stable
    summaries_rebuild_all()
    client.force_login(manager)

    response = client.get(url("team_caseloads", team))

    [(_, figures, _)] = response.context["caseloads"]
    assert [d.text for d in figures["directions"]] == ["hidden", "fewer than 5", "0"]
    row = response.content.decode().split("Nia Nine")[1].split("</tr>")[0]
    assert '<td class="num">hidden</td><td class="num">fewer than 5</td>' in row
    assert "“hidden” marks a figure withheld so that a smaller number" in response.content.decode()


# --- Summaries stored before reasons were kept ----------------------------------------------------


def test_a_figure_stored_without_a_reason_says_hidden_for_either_reason():
    legacy = {"improved": None, "stable": 30, "declined": None, "index": None}

    improved = figure_of(legacy, IMPROVED)

    assert improved.text == "hidden"
    assert improved.explained == (
        "hidden: fewer than 5, or so that a smaller number cannot be worked out"
    )
    assert figure_of(legacy, STABLE).text == "30"
    assert figure_of({**legacy, "suppressed_reasons": {}}, DECLINED).text == "fewer than 5"


# --- The rule, for any group -------------------------------------------------------------------

rows_strategy = st.lists(
    st.builds(
        SummaryRow,
        index=st.one_of(st.none(), st.floats(0, 100)),
        coverage=st.floats(0, 1),
        domain_scores=st.fixed_dictionaries({"H": st.one_of(st.none(), st.floats(0, 100))}),
        direction=st.sampled_from(["", "", *DIRECTIONS]),
        own_priorities=st.booleans(),
        goal_attainment=st.one_of(st.none(), st.floats(20, 80)),
        markers_with_reading=st.integers(0, 2),
        markers_in_target=st.just(0),
        patient_initiated=st.integers(0, 1),
        attribution_caveat=st.booleans(),
        context_kinds=st.lists(st.sampled_from(KINDS), max_size=2, unique=True).map(tuple),
    ),
    max_size=40,
)


def true_counts(rows: list[SummaryRow]) -> dict[str, int]:
    """What each hidden count really is, worked out from the rows."""
    n = len(rows)
    fallen = [r for r in rows if r.direction == "declined"]
    return {
        "patients": n,
        "with_own_priorities": sum(r.own_priorities for r in rows),
        "patient_initiated_share": sum(r.patient_initiated > 0 for r in rows),
        "patient_initiated_patients": sum(r.patient_initiated > 0 for r in rows),
        "context_share": sum(r.attribution_caveat for r in rows),
        "context_patients": sum(r.attribution_caveat for r in rows),
        "declined_context.with_context": sum(r.attribution_caveat for r in fallen),
        "declined_context.without_context": sum(not r.attribution_caveat for r in fallen),
        "goal_attainment_median": sum(r.goal_attainment is not None for r in rows),
        "markers_in_target_share": sum(r.markers_with_reading > 0 for r in rows),
        "index": sum(r.index is not None for r in rows),
        "coverage": n,
        "priorities": 0,  # no allocations given
        "domains.H": sum(r.domain_scores["H"] is not None for r in rows),
        **{d: sum(r.direction == d for r in rows) for d in DIRECTIONS},
        **{f"context_kinds.{k}": sum(k in r.context_kinds for r in rows) for k in KINDS},
    }


def stored_value(figures: dict, key: str):
    value = figures
    for part in key.split("."):
        value = value[part]
    return value


@settings(max_examples=300, deadline=None)
@given(rows_strategy)
def test_fewer_than_5_is_said_only_of_figures_resting_on_fewer_than_5(rows):
    figures = group_summary_figures(rows, [], kinds=KINDS)
    reasons = figures["suppressed_reasons"]
    truth = true_counts(rows)
    n = len(rows)
    with_direction = sum(bool(r.direction) for r in rows)

    assert set(figures["suppressed_fields"]) <= set(reasons)
    assert set(reasons.values()) <= set(WITHHELD_REASONS)
    for key, reason in reasons.items():
        if key.startswith("domains.") and key[-1] in "MR":
            continue  # no row rated those domains: resting on nobody
        assert stored_value(figures, key) is None, key
        count = truth[key]
        if reason == FEWER_THAN_5:
            # the figure itself, or the group (or compared part of it) it is a part of, is small
            base = with_direction if key in DIRECTIONS else n
            assert count < SMALL_NUMBER or base < SMALL_NUMBER, key
        elif reason == NO_EARLIER_QUARTER:
            assert with_direction == 0, key
        else:  # hidden to protect another: never a small number itself
            assert count == 0 or count >= SMALL_NUMBER, key
    # and the rule does not weaken: every count shown is 0 or at least 5, and never the only
    # hidden one of its set, which the total would give back
    for key in truth:
        if key in reasons or key.startswith("domains."):
            continue
        value = stored_value(figures, key)
        if isinstance(value, int) and not isinstance(value, bool):
            assert value == 0 or value >= SMALL_NUMBER, key
    for group in (DIRECTIONS, [f"context_kinds.{k}" for k in KINDS]):
        hidden_nonzero = [k for k in group if k in reasons and truth[k] > 0]
        assert len(hidden_nonzero) != 1 or len([k for k in group if truth[k] > 0]) == 1


@pytest.mark.django_db
def test_what_is_stored_carries_a_reason_for_every_null_figure(team, clinician, twelve_declines):
    figures = TeamSummary.objects.get(team=team, period=LATER).figures

    nulls = {k for k, v in figures.items() if v is None}
    for name in ("domains", "context_kinds", "declined_context"):
        nulls |= {f"{name}.{part}" for part, v in figures[name].items() if v is None}

    assert nulls == set(figures["suppressed_reasons"])


def test_the_count_of_patients_with_context_is_hidden_when_it_would_give_the_rest_away():
    def person(context: bool, initiated: int) -> SummaryRow:
        return SummaryRow(
            index=50,
            coverage=1,
            domain_scores={},
            direction="",
            own_priorities=False,
            goal_attainment=None,
            markers_with_reading=0,
            markers_in_target=0,
            patient_initiated=initiated,
            attribution_caveat=context,
            context_kinds=("admission",) if context else (),
        )

    rows = [person(True, 1)] * 9 + [person(False, 0)] * 3  # 12 patients: 3 without either

    figures = group_summary_figures(rows, [], kinds=KINDS)

    # 9 of 12 would tell that 3 had none, as the share of 9 / 12 would
    assert figures["context_patients"] is None
    assert figures["patient_initiated_patients"] is None
    assert figures["context_share"] is None
    assert figures["suppressed_reasons"]["context_patients"] == PROTECTS_SMALLER
    assert figures["suppressed_reasons"]["patient_initiated_patients"] == PROTECTS_SMALLER
