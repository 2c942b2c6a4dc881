"""The instrument library: published examples for each instrument's scoring, every band's
boundaries, the checks on answers, the missing-item rules as properties, and the registry."""

import ast
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessments.instruments import (
    INSTRUMENTS,
    Instrument,
    instrument,
    register_metric_conversion,
    register_value_set,
    score,
)

OPEN = [code for code, form in INSTRUMENTS.items() if form.licence.ships_wording]
ONS4_KEYS = ("life_satisfaction", "worthwhile", "happiness", "anxiety")
LICENSED = [code for code, form in INSTRUMENTS.items() if not form.licence.ships_wording]


def answers_for(code):
    """A strategy of answer mappings for ``code``: each item a value on its scale or None."""
    form = instrument(code)
    return st.fixed_dictionaries(
        {item.link_id: st.none() | st.sampled_from(item.values) for item in form.items}
    )


# --- published examples ------------------------------------------------------------------------


def test_phq2_cut_off_of_3_is_positive():
    """Kroenke, Spitzer & Williams 2003 (Med Care 41:1284): a PHQ-2 score of 3 or more is the
    optimal cut-point; the score is the sum of the two items, 0–6."""
    assert score("PHQ2", {"1": 2, "2": 1}) == {"score": 3, "positive": True}
    assert score("PHQ2", {"1": 1, "2": 1}) == {"score": 2, "positive": False}
    assert score("PHQ2", {"1": 3, "2": 3}) == {"score": 6, "positive": True}
    assert score("PHQ2", {"1": 0, "2": 0}) == {"score": 0, "positive": False}


def test_gad2_cut_off_of_3_is_positive():
    """Kroenke et al. 2007 (Ann Intern Med 146:317): GAD-2 cut-off of 3 (sensitivity 65%,
    specificity 88% for any anxiety disorder)."""
    assert score("GAD2", {"1": 1, "2": 2}) == {"score": 3, "positive": True}
    assert score("GAD2", {"1": 2, "2": 0}) == {"score": 2, "positive": False}


def test_ons4_reports_each_measure_with_its_ons_threshold_band_and_never_a_sum():
    """ONS personal well-being user guide / ONS thresholds: life satisfaction, worthwhile and
    happiness 0–4 low, 5–6 medium, 7–8 high, 9–10 very high; anxiety 0–1 very low, 2–3 low,
    4–5 medium, 6–10 high. Hand-worked: 7, 8, 6, 2."""
    assert score("ONS4", {"1": 7, "2": 8, "3": 6, "4": 2}) == {
        "life_satisfaction": 7,
        "life_satisfaction_band": "high",
        "worthwhile": 8,
        "worthwhile_band": "high",
        "happiness": 6,
        "happiness_band": "medium",
        "anxiety": 2,
        "anxiety_band": "low",
    }


def test_semcd6_is_the_mean_of_the_items():
    """Stanford Patient Education Research Center scoring (Lorig et al. 2001): the score is the
    mean of the six items. Hand-worked: (5+6+7+8+9+10)/6 = 7.5."""
    assert score("SEMCD6", {"1": 5, "2": 6, "3": 7, "4": 8, "5": 9, "6": 10}) == {"score": 7.5}


def test_semcd6_with_two_missing_is_the_mean_of_four_and_with_three_is_not_scored():
    """Same source: "If more than two items are missing, do not score the scale." With items 5
    and 6 missing, (4+6+8+2)/4 = 5.0; with item 4 also missing, no score."""
    assert score("SEMCD6", {"1": 4, "2": 6, "3": 8, "4": 2}) == {"score": 5.0}
    assert score("SEMCD6", {"1": 4, "2": 6, "3": 8, "4": None}) == {"score": None}


def test_collaborate_top_score_is_nine_on_all_three():
    """Elwyn et al. 2013; Barr et al. 2014 (JMIR 16:e2): the collaboRATE score is the proportion
    of patients answering 9 on all three items, so each response is 'top' or not."""
    assert score("COLLABORATE", {"1": 9, "2": 9, "3": 9}) == {"top_score": True, "mean": 9.0}
    assert score("COLLABORATE", {"1": 9, "2": 9, "3": 8}) == {
        "top_score": False,
        "mean": pytest.approx(26 / 3),
    }
    assert score("COLLABORATE", {"1": 9, "2": 9}) == {"top_score": None, "mean": None}


def test_eq5d5l_profile_and_level_sum():
    """EuroQol FAQ ("I have seen EQ-5D 'language' using 5 numbers"): state 21143 is slight
    problems with mobility, none with self-care or usual activities, severe pain or discomfort,
    moderate anxiety/depression. The level sum score (Devlin, Parkin & Janssen 2020) adds the
    levels: 2+1+1+4+3 = 11. No value set is shipped, so no index."""
    result = score("EQ5D5L", {"1": 2, "2": 1, "3": 1, "4": 4, "5": 3, "6": 70})
    assert result == {"profile": "21143", "level_sum": 11, "vas": 70, "index": None}


def test_eq5d5l_full_health_and_worst_state_bound_the_level_sum():
    """EQ-5D-5L user guide: 11111 is no problems on any dimension, 55555 the worst; level sums
    5 and 25."""
    best = score("EQ5D5L", dict.fromkeys("12345", 1))
    worst = score("EQ5D5L", dict.fromkeys("12345", 5))
    assert (best["profile"], best["level_sum"], best["vas"]) == ("11111", 5, None)
    assert (worst["profile"], worst["level_sum"]) == ("55555", 25)


def test_eq5d5l_missing_dimension_leaves_profile_and_sum_empty_but_keeps_the_vas():
    result = score("EQ5D5L", {"1": 1, "2": 1, "3": 1, "4": 1, "6": 0})
    assert result == {"profile": None, "level_sum": None, "vas": 0, "index": None}


def test_swemwbs_raw_score_is_the_sum_of_the_seven_items():
    """SWEMWBS user guide (Warwick Medical School): the raw score is the sum of the seven item
    scores, 7–35. Hand-worked: 3+4+2+5+3+4+4 = 25. The metric conversion table is licensed
    material, so no metric score without a hook."""
    answers = dict(zip("1234567", (3, 4, 2, 5, 3, 4, 4), strict=True))
    assert score("SWEMWBS", answers) == {"raw": 25, "metric": None}
    assert score("SWEMWBS", {**answers, "7": None}) == {"raw": None, "metric": None}


# --- hooks for licensed scoring material ------------------------------------------------------


@pytest.fixture
def value_set():
    seen = []

    def toy(profile):
        seen.append(profile)
        return 1.0 - (sum(int(d) for d in profile) - 5) / 20

    previous = register_value_set("EQ5D5L", toy)
    yield seen
    register_value_set("EQ5D5L", previous)


def test_an_installed_value_set_gives_the_index(value_set):
    result = score("EQ5D5L", {"1": 1, "2": 1, "3": 2, "4": 2, "5": 3})
    assert result["index"] == pytest.approx(1.0 - 4 / 20)
    assert value_set == ["11223"]
    assert score("EQ5D5L", {"1": 1})["index"] is None


def test_an_installed_metric_conversion_gives_the_metric_score():
    previous = register_metric_conversion("SWEMWBS", lambda raw: raw + 0.5)
    try:
        assert score("SWEMWBS", dict.fromkeys("1234567", 1)) == {"raw": 7, "metric": 7.5}
    finally:
        register_metric_conversion("SWEMWBS", previous)
    assert score("SWEMWBS", dict.fromkeys("1234567", 1))["metric"] is None


def test_hooks_only_attach_to_instruments_that_take_them():
    with pytest.raises(ValueError, match="PHQ2"):
        register_value_set("PHQ2", lambda profile: 0.0)
    with pytest.raises(ValueError, match="EQ5D5L"):
        register_metric_conversion("EQ5D5L", lambda raw: 0.0)


# --- band boundaries --------------------------------------------------------------------------

POSITIVE_BANDS = [
    (0, "low"),
    (4, "low"),
    (5, "medium"),
    (6, "medium"),
    (7, "high"),
    (8, "high"),
    (9, "very high"),
    (10, "very high"),
]
ANXIETY_BANDS = [
    (0, "very low"),
    (1, "very low"),
    (2, "low"),
    (3, "low"),
    (4, "medium"),
    (5, "medium"),
    (6, "high"),
    (10, "high"),
]


@pytest.mark.parametrize(("value", "band"), POSITIVE_BANDS)
@pytest.mark.parametrize(
    ("link_id", "key"), [("1", "life_satisfaction"), ("2", "worthwhile"), ("3", "happiness")]
)
def test_ons4_positive_measure_bands_at_every_boundary(link_id, key, value, band):
    result = score("ONS4", {link_id: value})
    assert result[key] == value
    assert result[f"{key}_band"] == band


@pytest.mark.parametrize(("value", "band"), ANXIETY_BANDS)
def test_ons4_anxiety_bands_at_every_boundary(value, band):
    assert score("ONS4", {"4": value})["anxiety_band"] == band


@pytest.mark.parametrize(("total", "positive"), [(0, False), (2, False), (3, True), (6, True)])
@pytest.mark.parametrize("code", ["PHQ2", "GAD2"])
def test_screen_cut_off_boundary(code, total, positive):
    first = min(total, 3)
    assert score(code, {"1": first, "2": total - first}) == {"score": total, "positive": positive}


def test_skipped_ons4_measures_have_no_band():
    assert score("ONS4", {}) == {
        key: None
        for name in ("life_satisfaction", "worthwhile", "happiness", "anxiety")
        for key in (name, f"{name}_band")
    }


# --- checks on answers ------------------------------------------------------------------------


def test_an_answer_outside_the_scale_names_the_item():
    with pytest.raises(ValueError, match="item 2 of PHQ2: 4 is outside 0–3"):
        score("PHQ2", {"1": 0, "2": 4})
    with pytest.raises(ValueError, match="item 1 of ONS4: -1 is outside 0–10"):
        score("ONS4", {"1": -1})
    with pytest.raises(ValueError, match="item 6 of SEMCD6: 0 is outside 1–10"):
        score("SEMCD6", {"6": 0})
    with pytest.raises(ValueError, match="item 6 of EQ5D5L: 101 is outside 0–100"):
        score("EQ5D5L", {"6": 101})


@pytest.mark.parametrize("code", list(INSTRUMENTS))
def test_every_instrument_refuses_one_past_each_end_of_every_item(code):
    for item in instrument(code).items:
        for value in (item.lowest - 1, item.highest + 1):
            with pytest.raises(ValueError, match=f"item {item.link_id} of {code}: {value} "):
                score(code, {item.link_id: value})


@pytest.mark.parametrize("bad", [True, False, 2.0, "2", [2]])
def test_an_answer_that_is_not_a_whole_number_names_the_item(bad):
    with pytest.raises(ValueError, match="item 1 of GAD2"):
        score("GAD2", {"1": bad, "2": 0})


def test_a_link_id_the_instrument_does_not_have_is_named():
    with pytest.raises(ValueError, match="PHQ2 has no item '3'"):
        score("PHQ2", {"1": 0, "2": 0, "3": 0})
    with pytest.raises(ValueError, match="has no item 1"):
        score("PHQ2", {1: 0})


def test_an_unknown_code_is_a_value_error():
    with pytest.raises(ValueError, match="unknown instrument 'PHQ9'"):
        score("PHQ9", {})
    with pytest.raises(ValueError, match="unknown instrument"):
        instrument("phq2")


# --- missing-item rules as properties ---------------------------------------------------------


@given(
    values=st.lists(st.integers(1, 10), min_size=6, max_size=6),
    missing=st.sets(st.sampled_from("123456")),
)
def test_semcd6_scores_iff_at_most_two_are_missing_and_then_is_the_mean_of_the_rest(
    values, missing
):
    answers = {
        str(n): (None if str(n) in missing else value) for n, value in enumerate(values, start=1)
    }
    rest = [value for key, value in answers.items() if value is not None]
    result = score("SEMCD6", answers)["score"]
    if len(missing) > 2:
        assert result is None
    else:
        assert result == pytest.approx(sum(rest) / len(rest))
        assert 1 <= result <= 10


@given(code=st.sampled_from(["PHQ2", "GAD2"]), data=st.data())
def test_screens_score_only_complete_answers_and_are_positive_iff_at_least_3(code, data):
    answers = data.draw(answers_for(code))
    result = score(code, answers)
    if any(value is None for value in answers.values()):
        assert result == {"score": None, "positive": None}
    else:
        assert 0 <= result["score"] <= 6
        assert result["score"] == sum(answers.values())
        assert result["positive"] is (result["score"] >= 3)


@given(answers=answers_for("ONS4"))
def test_ons4_values_are_passed_through_never_summed(answers):
    result = score("ONS4", answers)
    for link_id, key in zip("1234", ONS4_KEYS, strict=True):
        assert result[key] == answers[link_id]
        assert (result[f"{key}_band"] is None) is (answers[link_id] is None)
    assert set(result) == {
        f"{name}{suffix}"
        for name in ("life_satisfaction", "worthwhile", "happiness", "anxiety")
        for suffix in ("", "_band")
    }


@given(low=st.integers(0, 10), high=st.integers(0, 10))
def test_ons4_bands_are_monotone(low, high):
    low, high = sorted((low, high))
    order = ["low", "medium", "high", "very high"]
    anxiety_order = ["very low", "low", "medium", "high"]
    below = score("ONS4", {"1": low, "4": low})
    above = score("ONS4", {"1": high, "4": high})
    assert order.index(below["life_satisfaction_band"]) <= order.index(
        above["life_satisfaction_band"]
    )
    assert anxiety_order.index(below["anxiety_band"]) <= anxiety_order.index(above["anxiety_band"])


@given(answers=answers_for("COLLABORATE"))
def test_collaborate_scores_only_complete_answers(answers):
    result = score("COLLABORATE", answers)
    if None in answers.values():
        assert result == {"top_score": None, "mean": None}
    else:
        assert result["top_score"] is all(value == 9 for value in answers.values())
        assert 0 <= result["mean"] <= 9


@given(answers=answers_for("EQ5D5L"))
def test_eq5d5l_profile_and_level_sum_need_every_dimension(answers):
    result = score("EQ5D5L", answers)
    dimensions = [answers[key] for key in "12345"]
    assert result["vas"] == answers["6"]
    if None in dimensions:
        assert result["profile"] is None
        assert result["level_sum"] is None
    else:
        assert result["profile"] == "".join(map(str, dimensions))
        assert result["level_sum"] == sum(dimensions)
        assert 5 <= result["level_sum"] <= 25


@given(answers=answers_for("SWEMWBS"))
def test_swemwbs_raw_needs_every_item(answers):
    raw = score("SWEMWBS", answers)["raw"]
    if None in answers.values():
        assert raw is None
    else:
        assert raw == sum(answers.values())
        assert 7 <= raw <= 35


@given(code=st.sampled_from(list(INSTRUMENTS)), data=st.data())
def test_missing_keys_count_as_skipped(code, data):
    answers = data.draw(answers_for(code))
    present = {key: value for key, value in answers.items() if value is not None}
    assert score(code, present) == score(code, answers)


@given(code=st.sampled_from(list(INSTRUMENTS)), data=st.data())
def test_every_result_has_the_main_score_key(code, data):
    form = instrument(code)
    result = score(code, data.draw(answers_for(code)))
    assert form.main_score in result
    if form.positive_key is not None:
        assert form.positive_key in result


# --- the registry -----------------------------------------------------------------------------


def test_the_registry_in_published_order():
    assert list(INSTRUMENTS) == [
        "ONS4",
        "SEMCD6",
        "PHQ2",
        "GAD2",
        "COLLABORATE",
        "EQ5D5L",
        "SWEMWBS",
    ]
    assert all(isinstance(form, Instrument) for form in INSTRUMENTS.values())
    assert instrument("PHQ2") is INSTRUMENTS["PHQ2"]


@pytest.mark.parametrize("code", list(INSTRUMENTS))
def test_link_ids_run_1_to_n_in_order_and_options_are_ascending(code):
    form = instrument(code)
    assert form.code == code
    assert form.link_ids == tuple(str(n) for n in range(1, len(form.items) + 1))
    for item in form.items:
        assert list(item.values) == list(range(item.lowest, item.highest + 1))
        assert set(item.labelled_values) <= set(item.values)
    assert form.licence.notice.strip()
    assert all(element[0] in "HMR" for element in form.informs)


@pytest.mark.parametrize(
    ("code", "count", "low", "high"),
    [
        ("ONS4", 4, 0, 10),
        ("SEMCD6", 6, 1, 10),
        ("PHQ2", 2, 0, 3),
        ("GAD2", 2, 0, 3),
        ("COLLABORATE", 3, 0, 9),
        ("SWEMWBS", 7, 1, 5),
    ],
)
def test_item_counts_and_scales(code, count, low, high):
    form = instrument(code)
    assert len(form.items) == count
    assert {(item.lowest, item.highest) for item in form.items} == {(low, high)}


def test_eq5d5l_is_five_dimensions_and_the_vas():
    form = instrument("EQ5D5L")
    assert [(item.lowest, item.highest) for item in form.items] == [(1, 5)] * 5 + [(0, 100)]
    assert form.item("6").labelled_values == (0, 100)


@pytest.mark.parametrize("code", OPEN)
def test_open_instruments_ship_wording_for_every_item_and_label(code):
    form = instrument(code)
    assert form.has_wording
    for item in form.items:
        assert item.text
        assert item.text.strip()
        labelled = {option.value for option in item.options if option.label}
        assert labelled == set(item.labelled_values)


@pytest.mark.parametrize("code", LICENSED)
def test_licensed_instruments_ship_no_wording(code):
    form = instrument(code)
    assert form.licence.kind in ("registration", "licensed")
    assert form.instructions is None
    assert all(item.text is None for item in form.items)
    assert all(option.label is None for item in form.items for option in item.options)


def test_licence_kinds_and_notices():
    kinds = {code: form.licence.kind for code, form in INSTRUMENTS.items()}
    assert kinds == {
        "ONS4": "attribution",
        "SEMCD6": "open",
        "PHQ2": "open",
        "GAD2": "open",
        "COLLABORATE": "attribution",
        "EQ5D5L": "licensed",
        "SWEMWBS": "registration",
    }
    assert "Open Government Licence v3.0" in instrument("ONS4").licence.notice
    assert "Crown copyright" in instrument("ONS4").licence.notice
    for code in ("PHQ2", "GAD2"):
        assert "No permission required to reproduce, translate, display or distribute" in (
            instrument(code).licence.notice
        )
    assert "NHS Health Scotland" in instrument("SWEMWBS").licence.notice
    assert "EuroQol Research Foundation" in instrument("EQ5D5L").licence.notice


def test_what_each_instrument_informs_and_how_it_is_summarised():
    summary = {
        code: (form.informs, form.kind, form.main_score, form.positive_key)
        for code, form in INSTRUMENTS.items()
    }
    assert summary["ONS4"] == (("H4", "H5"), "scale", "life_satisfaction", None)
    assert summary["SEMCD6"] == (("M1", "M2"), "scale", "score", None)
    assert summary["PHQ2"] == (("H4",), "screen", "score", "positive")
    assert summary["GAD2"] == (("H4",), "screen", "score", "positive")
    assert summary["COLLABORATE"] == (("R1", "R4"), "encounter", "mean", None)
    assert summary["EQ5D5L"][2] == "level_sum"
    assert summary["SWEMWBS"][2] == "raw"


def test_the_package_imports_nothing_but_the_standard_library_and_itself():
    """Pure Python: no Django, no other app, so scoring runs anywhere (and in this test, no DB)."""
    package = Path(__file__).resolve().parents[2] / "assessments" / "instruments"
    allowed = {"__future__", "collections", "dataclasses", "typing"}
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                tops = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                tops = {(node.module or "").split(".")[0]}
            else:
                continue
            assert tops <= allowed, f"{path.name} imports {tops - allowed}"
