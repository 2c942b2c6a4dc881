"""Hand-worked and property checks for the pure scoring arithmetic."""

from __future__ import annotations

import math
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indicators.scoring import (
    CHANGE_THRESHOLD,
    FRAMEWORK_CODES,
    Quartiles,
    WeightedIndex,
    direction_of,
    gas_t_score,
    index_change,
    next_period,
    parse_period,
    period_bounds,
    period_of,
    periods_between,
    perspective_gap,
    previous_period,
    quartiles,
    recent_periods,
    weighted_index,
)

FRAMEWORK_DOMAINS = {code: code[0] for code in FRAMEWORK_CODES}
PERSONAL_DOMAINS = {"P1": "H", "P2": "M", "P3": "R"}
ALL_DOMAINS = {**FRAMEWORK_DOMAINS, **PERSONAL_DOMAINS}
ALL_KEYS = sorted(ALL_DOMAINS)

rating_values = st.one_of(
    st.integers(min_value=0, max_value=10),
    st.floats(min_value=0, max_value=10, allow_nan=False),
)
point_values = st.one_of(
    st.integers(min_value=0, max_value=100),
    st.floats(min_value=0.01, max_value=100, allow_nan=False),
    st.just(0.0),
)
ratings_maps = st.dictionaries(st.sampled_from(ALL_KEYS), rating_values)
points_maps = st.dictionaries(st.sampled_from(ALL_KEYS), point_values)


def assert_close(actual: float | None, expected: float | None) -> None:
    """Assert two optional figures agree to within float noise."""
    if expected is None:
        assert actual is None
    else:
        assert actual == pytest.approx(expected, rel=1e-9, abs=1e-9)


# --- Weighted index: published and hand-worked cases ------------------------


def test_seiqol_dw_example_gives_62_5() -> None:
    keys = ["P1", "P2", "P3", "H1", "M1"]
    ratings = dict(zip(keys, [8, 6, 4, 7, 5], strict=True))
    points = dict(zip(keys, [30, 25, 20, 15, 10], strict=True))
    result = weighted_index(ratings, points, ALL_DOMAINS)
    assert result.index == 62.5
    assert result.coverage == 1.0


def test_empty_points_weigh_every_framework_element_equally() -> None:
    result = weighted_index({"H1": 10, "M1": 0}, {}, {})
    assert result.index == pytest.approx(50.0)
    assert result.coverage == pytest.approx(2 / 13)
    assert result.domain_weights == pytest.approx({"H": 5 / 13, "M": 4 / 13, "R": 4 / 13})
    assert result.domain_scores == {"H": 100.0, "M": 0.0, "R": None}


def test_all_zero_points_fall_back_to_equal_weights() -> None:
    ratings = dict.fromkeys(FRAMEWORK_CODES, 7)
    result = weighted_index(ratings, {"H1": 0, "M2": 0.0}, {})
    assert result.index == pytest.approx(70.0)
    assert result.coverage == 1.0


def test_custom_default_keys_replace_the_framework_codes() -> None:
    result = weighted_index({"H1": 4, "P1": 8}, {}, {"P1": "M"}, default_keys=("H1", "P1"))
    assert result.index == pytest.approx(60.0)
    assert result.domain_weights == {"H": 0.5, "M": 0.5, "R": 0.0}


def test_unrated_weighted_key_lowers_coverage_but_not_the_index() -> None:
    result = weighted_index({"H1": 6}, {"H1": 3, "R2": 1}, FRAMEWORK_DOMAINS)
    assert result.index == 60.0
    assert result.coverage == 0.75
    assert result.domain_scores["R"] is None
    assert result.domain_weights["R"] == 0.25


def test_personal_item_keys_behave_like_elements() -> None:
    result = weighted_index({"P17": 8, "H1": 4}, {"P17": 3, "H1": 1}, {"P17": "R", "H1": "H"})
    assert result.index == 70.0
    assert result.domain_scores == {"H": 40.0, "M": None, "R": 80.0}
    assert result.domain_weights == {"H": 0.25, "M": 0.0, "R": 0.75}


def test_domain_scores_and_weights_match_hand_working() -> None:
    # Weights 0.2, 0.2, 0.4, 0.2; R1 is weighted but unrated.
    ratings = {"H1": 6, "H2": 9, "M1": 5}
    points = {"H1": 2, "H2": 2, "M1": 4, "R1": 2}
    result = weighted_index(ratings, points, FRAMEWORK_DOMAINS)
    assert result == WeightedIndex(
        index=62.5,
        coverage=0.8,
        domain_scores={"H": 75.0, "M": 50.0, "R": None},
        domain_weights={"H": 0.4, "M": 0.4, "R": 0.2},
    )


def test_ratings_for_zero_weight_keys_are_ignored() -> None:
    with_extra = weighted_index({"H1": 5, "M1": 0, "R1": 10}, {"H1": 1, "M1": 0}, ALL_DOMAINS)
    assert with_extra.index == 50.0
    assert with_extra.coverage == 1.0
    assert with_extra.domain_scores == {"H": 50.0, "M": None, "R": None}


def test_nothing_weighted_rated_gives_no_index_and_zero_coverage() -> None:
    result = weighted_index({"M1": 9}, {"H1": 5}, FRAMEWORK_DOMAINS)
    assert result.index is None
    assert result.coverage == 0.0
    assert result.domain_scores == {"H": None, "M": None, "R": None}
    assert result.domain_weights == {"H": 1.0, "M": 0.0, "R": 0.0}


def test_float_points_and_ratings_are_accepted() -> None:
    result = weighted_index({"H1": 7.5, "M1": 2.5}, {"H1": 0.5, "M1": 0.5}, FRAMEWORK_DOMAINS)
    assert result.index == 50.0


# --- Weighted index: errors -------------------------------------------------


@pytest.mark.parametrize("bad", [-1, 10.5, 11, math.nan, math.inf, True, "5", None])
def test_rating_outside_zero_to_ten_is_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="rating for H1 must be between 0 and 10"):
        weighted_index({"H1": bad}, {"H1": 1}, FRAMEWORK_DOMAINS)


def test_negative_point_is_refused() -> None:
    with pytest.raises(ValueError, match=r"points for M2 must not be negative \(got -1\)"):
        weighted_index({}, {"M2": -1}, FRAMEWORK_DOMAINS)


@pytest.mark.parametrize("bad", [math.nan, math.inf, False, "3"])
def test_point_that_is_not_a_finite_number_is_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="points for M2 must be a finite number"):
        weighted_index({}, {"M2": bad}, FRAMEWORK_DOMAINS)


def test_weighted_key_without_domain_is_refused() -> None:
    with pytest.raises(ValueError, match="no domain given for P4; every weighted or rated key"):
        weighted_index({}, {"P4": 2}, FRAMEWORK_DOMAINS)


def test_rated_key_without_domain_is_refused_even_when_unweighted() -> None:
    with pytest.raises(ValueError, match="no domain given for P4"):
        weighted_index({"P4": 2}, {"H1": 1}, FRAMEWORK_DOMAINS)


def test_framework_key_takes_its_domain_from_its_code_when_domains_leave_it_out() -> None:
    result = weighted_index({"H1": 2, "R2": 6}, {"H1": 1, "R2": 3}, {})

    assert result.index == pytest.approx(50.0)
    assert result.domain_weights == pytest.approx({"H": 0.25, "M": 0.0, "R": 0.75})


def test_domain_other_than_h_m_r_is_refused() -> None:
    with pytest.raises(ValueError, match="domain for P1 must be H, M or R, not 'X'"):
        weighted_index({"P1": 3}, {"P1": 1}, {"P1": "X"})


def test_default_key_without_h_m_r_initial_is_refused() -> None:
    with pytest.raises(ValueError, match="domain for X1 must be H, M or R, not 'X'"):
        weighted_index({}, {}, {}, default_keys=("X1",))


# --- Weighted index: properties ---------------------------------------------


@given(ratings=ratings_maps, points=points_maps)
def test_index_and_coverage_stay_in_range(ratings: dict, points: dict) -> None:
    result = weighted_index(ratings, points, ALL_DOMAINS)
    assert result.index is None or 0.0 <= result.index <= 100.0
    assert 0.0 <= result.coverage <= 1.0
    for score in result.domain_scores.values():
        assert score is None or 0.0 <= score <= 100.0


@given(
    ratings=ratings_maps,
    points=points_maps,
    factor=st.floats(min_value=0.01, max_value=100, allow_nan=False),
)
def test_scaling_every_point_leaves_every_figure_unchanged(
    ratings: dict, points: dict, factor: float
) -> None:
    original = weighted_index(ratings, points, ALL_DOMAINS)
    scaled = weighted_index(
        ratings, {key: value * factor for key, value in points.items()}, ALL_DOMAINS
    )
    assert_close(scaled.index, original.index)
    assert_close(scaled.coverage, original.coverage)
    for code in ("H", "M", "R"):
        assert_close(scaled.domain_scores[code], original.domain_scores[code])
        assert_close(scaled.domain_weights[code], original.domain_weights[code])


@given(ratings=ratings_maps, points=points_maps, data=st.data())
def test_raising_one_rating_never_lowers_the_index(
    ratings: dict, points: dict, data: st.DataObject
) -> None:
    key = data.draw(st.sampled_from(ALL_KEYS))
    old = ratings.get(key, 0)
    new = data.draw(st.floats(min_value=old, max_value=10, allow_nan=False))
    before = weighted_index({**ratings, key: old}, points, ALL_DOMAINS)
    after = weighted_index({**ratings, key: new}, points, ALL_DOMAINS)
    assert (before.index is None) == (after.index is None)
    if before.index is not None:
        assert after.index >= before.index


@given(ratings=ratings_maps, points=points_maps)
def test_domain_weights_sum_to_one(ratings: dict, points: dict) -> None:
    result = weighted_index(ratings, points, ALL_DOMAINS)
    assert set(result.domain_weights) == {"H", "M", "R"}
    assert math.fsum(result.domain_weights.values()) == pytest.approx(1.0)


# --- Goal attainment scaling ------------------------------------------------


def test_one_goal_one_level_below_expected_gives_40() -> None:
    assert gas_t_score([(-1, 1)]) == pytest.approx(40.0)


def test_three_goals_one_level_below_expected_give_36_31() -> None:
    assert round(gas_t_score([(-1, 1)] * 3), 2) == 36.31


def test_weighted_goals_example_gives_exactly_55() -> None:
    reviews = zip([-2, 0, -1, 2, 0, 1], [3, 5, 1, 4, 2, 6], strict=True)
    assert gas_t_score(reviews) == pytest.approx(55.0, abs=1e-9)


def test_all_goals_as_expected_give_50_whatever_rho() -> None:
    assert gas_t_score([(0, 2), (0, 1)], rho=0.0) == 50.0


def test_no_reviews_give_no_t_score() -> None:
    assert gas_t_score([]) is None


@pytest.mark.parametrize("bad", [3, -3, 1.5, True, math.nan, "1"])
def test_attainment_outside_minus_two_to_two_is_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="attainment must be an integer from -2 to 2"):
        gas_t_score([(bad, 1)])


@pytest.mark.parametrize("bad", [0, -1, math.nan, True])
def test_goal_weight_that_is_not_positive_is_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="goal weight must be greater than 0"):
        gas_t_score([(1, bad)])


@pytest.mark.parametrize("bad", [1.0, -0.1, math.nan])
def test_rho_outside_zero_to_one_is_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="rho must be at least 0 and below 1"):
        gas_t_score([(1, 1)], rho=bad)


# --- Reporting periods ------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "period"),
    [
        (date(2026, 1, 1), "2026Q1"),
        (date(2026, 3, 31), "2026Q1"),
        (date(2026, 4, 1), "2026Q2"),
        (date(2026, 9, 30), "2026Q3"),
        (date(2026, 12, 31), "2026Q4"),
    ],
)
def test_period_of_names_the_calendar_quarter(day: date, period: str) -> None:
    assert period_of(day) == period


@pytest.mark.parametrize(
    ("period", "bounds"),
    [
        ("2026Q1", (date(2026, 1, 1), date(2026, 3, 31))),
        ("2024Q1", (date(2024, 1, 1), date(2024, 3, 31))),
        ("2026Q2", (date(2026, 4, 1), date(2026, 6, 30))),
        ("2026Q3", (date(2026, 7, 1), date(2026, 9, 30))),
        ("2999Q4", (date(2999, 10, 1), date(2999, 12, 31))),
    ],
)
def test_period_bounds_are_first_and_last_day_inclusive(
    period: str, bounds: tuple[date, date]
) -> None:
    assert period_bounds(period) == bounds


def test_previous_and_next_period_roll_over_the_year() -> None:
    assert previous_period("2026Q1") == "2025Q4"
    assert previous_period("2026Q3") == "2026Q2"
    assert next_period("2025Q4") == "2026Q1"
    assert next_period("2026Q2") == "2026Q3"


def test_stepping_outside_supported_years_is_refused() -> None:
    with pytest.raises(ValueError, match="periods run from 1900Q1 to 2999Q4"):
        previous_period("1900Q1")
    with pytest.raises(ValueError, match="periods run from 1900Q1 to 2999Q4"):
        next_period("2999Q4")


def test_parse_period_returns_a_well_formed_period() -> None:
    assert parse_period("2026Q3") == "2026Q3"
    assert parse_period("1900Q1") == "1900Q1"


@pytest.mark.parametrize(
    "bad", ["2026Q5", "2026Q0", "2026q3", "2026-Q3", "26Q3", "1899Q4", "3000Q1", " 2026Q3", ""]
)
def test_parse_period_refuses_malformed_text(bad: str) -> None:
    with pytest.raises(ValueError, match="period must look like 2026Q3"):
        parse_period(bad)


def test_parse_period_refuses_non_text() -> None:
    with pytest.raises(ValueError, match="period must look like 2026Q3"):
        parse_period(20263)  # type: ignore[arg-type]


def test_periods_between_is_inclusive_across_years() -> None:
    assert periods_between("2025Q3", "2026Q2") == ["2025Q3", "2025Q4", "2026Q1", "2026Q2"]
    assert periods_between("2026Q1", "2026Q1") == ["2026Q1"]
    assert periods_between("2026Q2", "2026Q1") == []


def test_recent_periods_end_at_last_oldest_first() -> None:
    assert recent_periods("2026Q1", 3) == ["2025Q3", "2025Q4", "2026Q1"]
    assert recent_periods("2026Q1", 0) == []
    with pytest.raises(ValueError, match="number of periods must not be negative"):
        recent_periods("2026Q1", -1)


# --- Summary statistics -----------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1, 2, 3, 4], Quartiles(median=2.5, q1=1.75, q3=3.25)),
        ([4, 1, 3, 2], Quartiles(median=2.5, q1=1.75, q3=3.25)),
        ([1, 2, 3, 4, 5], Quartiles(median=3.0, q1=2.0, q3=4.0)),
        ([10, 20], Quartiles(median=15.0, q1=12.5, q3=17.5)),
        ([7], Quartiles(median=7.0, q1=7.0, q3=7.0)),
        ([], Quartiles(median=None, q1=None, q3=None)),
    ],
)
def test_quartiles_interpolate_like_percentile_cont(
    values: list[float], expected: Quartiles
) -> None:
    assert quartiles(values) == expected


@pytest.mark.parametrize(
    ("change", "direction"),
    [
        (CHANGE_THRESHOLD, "improved"),
        (25.0, "improved"),
        (9.999, "stable"),
        (9.9999999, "stable"),  # a real difference, however small, is kept
        (0.0, "stable"),
        (-9.9999999, "stable"),
        (-9.999, "stable"),
        (-CHANGE_THRESHOLD, "declined"),
        (-40.0, "declined"),
        (None, None),
    ],
)
def test_direction_thresholds_include_exactly_ten(
    change: float | None, direction: str | None
) -> None:
    assert direction_of(change) == direction


def test_a_change_of_exactly_ten_points_in_floating_point_is_ten_and_improved() -> None:
    # Indices 70/3 and 40/3: their difference in floating point is 9.999999999999998.
    up = weighted_index({"H1": 1, "H2": 1, "H3": 5}, {}, {}).index
    down = weighted_index({"H1": 0, "H2": 0, "H3": 4}, {}, {}).index
    assert (up, down) == (70 / 3, 40 / 3)
    assert 70 / 3 - 40 / 3 == 9.999999999999998  # the rounding this guards against

    assert index_change(70 / 3, 40 / 3) == 10.0
    assert index_change(40 / 3, 70 / 3) == -10.0
    assert direction_of(70 / 3 - 40 / 3) == "improved"
    assert direction_of(40 / 3 - 70 / 3) == "declined"


@pytest.mark.parametrize(
    ("index", "previous", "change"),
    [
        (55.0, 50.0, 5.0),
        (50.0, 59.99999, -9.99999),
        (100.0, 0.0, 100.0),
        (12.3456789012, 0.0, 12.345678901),
        (None, 50.0, None),
        (50.0, None, None),
    ],
)
def test_index_change_is_the_difference_to_nine_decimal_places(
    index: float | None, previous: float | None, change: float | None
) -> None:
    assert index_change(index, previous) == change


def test_perspective_gap_averages_absolute_differences_over_shared_keys() -> None:
    patient = {"H1": 80.0, "M1": 40.0, "R1": 55.0}
    clinician = {"H1": 60.0, "M1": 50.0, "P9": 10.0}
    assert perspective_gap(patient, clinician) == 15.0


def test_perspective_gap_without_shared_keys_is_none() -> None:
    assert perspective_gap({"H1": 1.0}, {"M1": 2.0}) is None
    assert perspective_gap({}, {}) is None
