"""Sharing 100 points among what a patient picked: an even split in fives to start from, "+"
that is never refused, "−" that puts points back, and the total as under, done or over."""

import pytest

from portal.points import Total, even_split, starting_points, step

WORDS = {"H2": "Symptoms", "M2": "Feeling ready", "R4": "Listened to"}


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (1, [100]),
        (2, [50, 50]),
        (3, [35, 35, 30]),
        (4, [25, 25, 25, 25]),
        (6, [20, 20, 15, 15, 15, 15]),
        (7, [15, 15, 15, 15, 15, 15, 10]),
    ],
)
def test_an_even_split_is_in_fives_and_adds_up_to_100(count, expected):
    keys = [f"K{n}" for n in range(count)]
    assert list(even_split(keys).values()) == expected


def test_more_than_20_things_leave_the_last_ones_at_0_rather_than_break_the_fives():
    points = list(even_split([f"K{n}" for n in range(22)]).values())
    assert points == [5] * 20 + [0, 0]


def test_nothing_picked_shares_nothing():
    assert even_split([]) == {}


def test_things_that_already_have_points_keep_them_and_the_rest_share_what_is_left():
    assert starting_points(["H2", "M2", "R4"], {"H2": 60, "X1": 30}) == {
        "H2": 60,
        "M2": 20,
        "R4": 20,
    }


def test_with_no_points_carried_the_start_is_an_even_split():
    assert starting_points(["H2", "M2"], {"X1": 40}) == {"H2": 50, "M2": 50}


def test_with_nothing_left_new_things_start_at_0():
    assert starting_points(["H2", "M2"], {"H2": 100}) == {"H2": 100, "M2": 0}


def test_plus_gives_up_to_5_of_the_points_left():
    assert step({"H2": 20, "M2": 77}, "M2", 5, WORDS).points == {"H2": 20, "M2": 80}


def test_plus_with_nothing_left_takes_from_the_first_of_the_things_with_the_most():
    result = step({"H2": 40, "M2": 40, "R4": 20}, "R4", 5, WORDS)

    assert result.points == {"H2": 35, "M2": 40, "R4": 25}
    assert (
        result.note
        == "No points were left, so we took 5 from “Symptoms” and gave them to “Listened to”."
    )


def test_plus_with_the_most_holding_less_than_5_moves_what_it_has():
    result = step({"H2": 3, "M2": 97}, "M2", 5, WORDS)
    assert result.points == {"H2": 0, "M2": 100}


def test_plus_when_everything_is_on_that_one_thing_changes_nothing_and_says_why():
    result = step({"H2": 100, "M2": 0}, "H2", 5, WORDS)

    assert result.points == {"H2": 100, "M2": 0}
    assert result.note == "“Symptoms” already has all the points."


def test_minus_puts_up_to_5_back_and_never_goes_below_0():
    assert step({"H2": 3, "M2": 50}, "H2", -5, WORDS).points == {"H2": 0, "M2": 50}
    assert step({"H2": 0}, "H2", -5, WORDS).note == "“Symptoms” has no points to take away."


def test_a_key_not_picked_changes_nothing():
    assert step({"H2": 50}, "R4", 5, WORDS).points == {"H2": 50}


@pytest.mark.parametrize(
    ("shared", "state", "left", "over", "bar"),
    [(80, "under", 20, 0, 80), (100, "done", 0, 0, 100), (115, "over", 0, 15, 100)],
)
def test_the_total_is_under_done_or_over(shared, state, left, over, bar):
    total = Total(shared)
    assert (total.state, total.left, total.over, total.bar) == (state, left, over, bar)
