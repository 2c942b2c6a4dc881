"""The one presentation rule: a stored figure is rounded half up from the decimal it stands for,
a whole number for staff and the same value out of 10 to one decimal for patients."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.presentation import (
    change_text,
    count_text,
    index_shown,
    index_text,
    number_text,
    percent_text,
    score_shown,
    score_text,
    share_shown,
    stored_decimal,
    t_score_text,
)


@pytest.mark.parametrize(
    ("stored", "staff", "patient"),
    [
        (73.5, "74", "7.4"),  # the example: shown as 7.3, 7.4 and 74 before
        (72.5, "73", "7.3"),  # round() would give 72: halves go up, not to even
        (73.49999999999999, "74", "7.4"),  # float noise around a stored 73.5
        (73.4, "73", "7.3"),
        (0.0, "0", "0.0"),
        (100.0, "100", "10.0"),
        (4.5, "5", "0.5"),
        (99.95, "100", "10.0"),
    ],
)
def test_staff_and_patients_see_the_same_rounding_of_a_stored_index(stored, staff, patient):
    assert index_text(stored) == staff
    assert score_text(stored) == patient


def test_a_format_string_would_have_shown_a_patient_7_3_for_a_stored_73_5():
    assert f"{73.5 / 10:.1f}" == "7.3"  # the binary surprise the rule avoids
    assert score_text(73.5) == "7.4"


@pytest.mark.parametrize(
    ("share", "percent", "shown"),
    [
        (0.125, "13%", Decimal("0.13")),
        (0.145, "15%", Decimal("0.15")),  # 0.145 is 0.14499999… in binary
        (5 / 16, "31%", Decimal("0.31")),
        (1.0, "100%", Decimal("1.00")),
        (0.0, "0%", Decimal("0.00")),
    ],
)
def test_a_share_is_a_whole_percentage_on_pages_and_the_same_to_two_decimals_in_the_csv(
    share, percent, shown
):
    assert percent_text(share) == percent
    assert share_shown(share) == shown


def test_t_scores_changes_and_counts_have_their_own_stated_precision():
    assert t_score_text(52.25) == "52.3"
    assert t_score_text(50.0) == "50.0"
    assert change_text(9.95) == "+9.9"  # just under the threshold never reads as 10
    assert change_text(9.99) == "+9.9"
    assert change_text(10.0) == "+10.0"
    assert change_text(-12.35) == "-12.3"
    assert change_text(-0.04) == "0.0"
    assert count_text(12345) == "12,345"


def test_a_rounded_number_is_written_without_exponent_or_trailing_zeros():
    assert number_text(Decimal("0.40")) == "0.4"
    assert number_text(Decimal("1.00")) == "1"
    assert number_text(Decimal("1E+2")) == "100"
    assert number_text(Decimal("74")) == "74"
    assert number_text(Decimal("-0.0")) == "0"


# Stored indices are 10 × weighted means of whole-number ratings: multiples of small fractions.
stored_indices = st.builds(
    lambda numerator, denominator: 100 * numerator / denominator,
    st.integers(0, 1000),
    st.integers(1, 1000),
).filter(lambda value: value <= 100)


@settings(max_examples=400)
@given(stored_indices)
def test_a_patients_score_is_always_the_staff_index_divided_by_ten(stored):
    assert score_shown(stored) * 10 == index_shown(stored)
    assert Decimal(score_text(stored)) * 10 == Decimal(index_text(stored))


@settings(max_examples=400)
@given(stored_indices)
def test_the_shown_index_is_the_nearest_whole_number_with_halves_going_up(stored):
    exact = stored_decimal(stored)
    shown = index_shown(stored)
    assert abs(shown - exact) <= Decimal("0.5")
    if abs(shown - exact) == Decimal("0.5"):
        assert shown > exact


@settings(max_examples=200)
@given(st.integers(0, 2000))
def test_the_same_value_reached_by_different_float_arithmetic_is_shown_the_same(twentieths):
    # n/20 computed three ways differs in its last binary digit, never on the page.
    ways = [twentieths / 20, twentieths * 0.05, (twentieths / 2) / 10]
    assert len({index_text(v) for v in ways}) == 1
    assert len({score_text(v) for v in ways}) == 1
    assert len({percent_text(v / 100) for v in ways}) == 1
