"""Licensed-wording packs: checked against the shipped skeleton, every problem in words, and
applied to give a worded copy. The texts here are placeholders, never the licensed wording."""

import copy

import pytest

from assessments.instruments import instrument, pack_problems, score, with_wording


def good_pack(code="EQ5D5L"):
    form = instrument(code)
    return {
        "instrument": code,
        "language": "en-gb",
        "version": "placeholder 1",
        "instructions": f"Placeholder instructions for {code}.",
        "items": {
            item.link_id: {
                "text": f"Placeholder text {item.link_id}",
                "options": {str(value): f"Label {value}" for value in item.labelled_values},
            }
            for item in form.items
        },
    }


@pytest.mark.parametrize("code", ["EQ5D5L", "SWEMWBS", "PHQ2", "ONS4"])
def test_a_good_pack_has_no_problems(code):
    assert pack_problems(good_pack(code)) == []


def test_the_eq5d5l_vas_needs_labels_only_at_its_two_ends():
    pack = good_pack()
    assert set(pack["items"]["6"]["options"]) == {"0", "100"}


@pytest.mark.parametrize(
    ("pack", "problem"),
    [
        ({}, "the pack names no instrument"),
        ({"instrument": "EQ5D3L"}, "the pack names an unknown instrument 'EQ5D3L'"),
        ([], "the pack is not a mapping"),
    ],
)
def test_a_pack_without_a_known_instrument_says_so(pack, problem):
    assert pack_problems(pack) == [problem]


def test_every_problem_is_reported_at_once_in_words():
    pack = copy.deepcopy(good_pack())
    del pack["language"]
    pack["instructions"] = "  "
    del pack["items"]["5"]  # a missing item
    pack["items"]["7"] = {"text": "extra", "options": {}}  # an item EQ-5D-5L does not have
    pack["items"]["1"]["text"] = ""  # an empty text
    del pack["items"]["2"]["options"]["3"]  # a missing option label
    pack["items"]["3"]["options"]["6"] = "Label 6"  # an option value the item does not have
    pack["items"]["3"]["options"]["x"] = "Label x"  # an option key that is no value
    pack["items"]["4"]["options"]["2"] = ""  # an empty option label
    pack["items"]["6"]["options"]["50"] = "Half"  # a VAS value the form does not label

    assert pack_problems(pack) == [
        "the pack has no language",
        "the pack has no instructions",
        "the pack has an item '7' that EQ5D5L does not have",
        "item 1 has no text",
        "item 2 has no label for option 3",
        "item 3 has an option '6' that EQ5D5L does not label",
        "item 3 has an option 'x' that EQ5D5L does not label",
        "item 4 has an empty label for option 2",
        "item 5 is missing",
        "item 6 has an option '50' that EQ5D5L does not label",
    ]


@pytest.mark.parametrize(
    "key", ["\u00b2", "\u0663", "--1", "1-", pytest.param("9" * 5000, id="5000 nines")]
)
def test_an_option_key_not_written_in_digits_0_to_9_is_a_problem_not_a_crash(key):
    """ "²" and "٣" pass str.isdigit(): the first crashed int(), the second was read as 3."""
    pack = copy.deepcopy(good_pack())
    pack["items"]["3"]["options"][key] = "Label"

    assert pack_problems(pack) == [f"item 3 has an option {key!r} that EQ5D5L does not label"]


def test_a_pack_without_items_or_with_malformed_items_says_so():
    pack = good_pack("SWEMWBS")
    assert pack_problems({**pack, "items": None}) == ["the pack has no items"]
    items = {**pack["items"], "1": "text only", "2": {"text": "No options"}}
    assert pack_problems({**pack, "items": items}) == [
        "item 1 is not a mapping with a text and options",
        "item 2 has no options",
    ]


def test_with_wording_applies_the_texts_and_keeps_scoring_unchanged():
    skeleton = instrument("EQ5D5L")
    worded = with_wording(skeleton, good_pack())

    assert worded.has_wording
    assert not skeleton.has_wording  # the shipped skeleton is untouched
    assert worded.instructions == "Placeholder instructions for EQ5D5L."
    assert worded.item("1").text == "Placeholder text 1"
    assert [option.label for option in worded.item("1").options] == [
        f"Label {value}" for value in range(1, 6)
    ]
    vas = worded.item("6")
    assert (vas.options[0].label, vas.options[50].label, vas.options[100].label) == (
        "Label 0",
        None,
        "Label 100",
    )
    assert worded.link_ids == skeleton.link_ids
    assert worded.licence == skeleton.licence
    assert score("EQ5D5L", dict.fromkeys("12345", 2))["profile"] == "22222"


def test_with_wording_refuses_a_bad_pack_naming_its_problems():
    pack = good_pack()
    del pack["items"]["3"]
    with pytest.raises(ValueError, match="item 3 is missing"):
        with_wording(instrument("EQ5D5L"), pack)


def test_with_wording_refuses_a_pack_for_another_instrument():
    with pytest.raises(ValueError, match="the pack is for SWEMWBS, not EQ5D5L"):
        with_wording(instrument("EQ5D5L"), good_pack("SWEMWBS"))
