"""The small-number rule in one place: its threshold, its predicates and its words."""

from django.template import Context, Template

from indicators import charts, dashboard, exports
from indicators.small_numbers import (
    FEWER_THAN,
    FEWER_THAN_5,
    FEWER_THAN_PATIENTS,
    NO_EARLIER_QUARTER,
    PROTECTS_SMALLER,
    SMALL_NUMBER,
    WITHHELD_REASONS,
    is_small_count,
    too_few,
)


def test_the_threshold_is_five_patients():
    assert SMALL_NUMBER == 5


def test_groups_below_five_are_too_few_to_report():
    assert too_few(0)
    assert too_few(4)
    assert not too_few(5)


def test_a_small_count_is_one_to_four_people():
    assert [n for n in range(8) if is_small_count(n)] == [1, 2, 3, 4]


def test_the_reason_codes_are_the_public_contract():
    assert WITHHELD_REASONS == ("fewer_than_5", "protects_smaller_number", "no_earlier_quarter")
    assert (FEWER_THAN_5, PROTECTS_SMALLER, NO_EARLIER_QUARTER) == WITHHELD_REASONS


def test_the_words_are_built_from_the_threshold_and_read_as_before():
    assert FEWER_THAN == "fewer than 5"
    assert FEWER_THAN_PATIENTS == "fewer than 5 patients"
    assert dashboard.SMALL == FEWER_THAN
    assert charts.NOT_SHOWN == "not shown (fewer than 5 patients or no summary)"
    assert exports.NOT_SHOWN_BECAUSE[FEWER_THAN_5] == "fewer than 5 patients"


def test_templates_write_the_words_through_the_tags():
    template = Template(
        "{% load small_numbers %}{% fewer_than as few %}{{ few|capfirst }}; "
        "{% fewer_than %}; at least {% small_number %}"
    )
    assert template.render(Context()) == "Fewer than 5; fewer than 5; at least 5"
