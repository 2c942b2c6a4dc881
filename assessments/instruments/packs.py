"""Licensed wording as a content pack, checked against the shipped skeleton.

A pack is JSON-like::

    {"instrument": "EQ5D5L", "language": "en-gb", "version": "...",
     "instructions": "...",
     "items": {"1": {"text": "...", "options": {"1": "...", ...}}, ...}}

A service that has registered for, or licensed, an instrument keeps the owner's wording in such
a pack, outside this open-source code. ``pack_problems`` names every problem at once;
``with_wording`` applies a good pack to the instrument.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from .catalogue import INSTRUMENTS
from .model import Instrument, Item, Option


def blank(value: object) -> bool:
    return not isinstance(value, str) or not value.strip()


def option_value(key: object) -> int | None:
    """The answer value an option key names ("3" or 3), or None when it names none."""
    if isinstance(key, bool):
        return None
    if isinstance(key, int):
        return key
    if isinstance(key, str):
        digits = key.strip().removeprefix("-")
        # The digits 0 to 9 only: str.isdigit() alone also takes "²", which int() refuses, and
        # "٣", which it reads as 3. (ssm_outcomes.digits says the same; this package imports
        # nothing outside the standard library.)
        if digits.isascii() and digits.isdigit() and len(digits) <= 18:
            return int(key)
    return None


def item_problems(form: Instrument, item: Item, entry: object) -> list[str]:
    where = f"item {item.link_id}"
    if not isinstance(entry, Mapping):
        return [f"{where} is not a mapping with a text and options"]
    problems = []
    if blank(entry.get("text")):
        problems.append(f"{where} has no text")
    options = entry.get("options")
    if not isinstance(options, Mapping):
        return [*problems, f"{where} has no options"]
    given: dict[int, object] = {}
    for key, label in options.items():
        value = option_value(key)
        if value is None or value not in item.labelled_values:
            problems.append(f"{where} has an option {key!r} that {form.code} does not label")
        else:
            given[value] = label
    for value in item.labelled_values:
        if value not in given:
            problems.append(f"{where} has no label for option {value}")
        elif blank(given[value]):
            problems.append(f"{where} has an empty label for option {value}")
    return problems


def pack_problems(pack: Mapping[str, object]) -> list[str]:
    """Every way ``pack`` fails to fit its instrument, each in words; [] when it fits."""
    if not isinstance(pack, Mapping):
        return ["the pack is not a mapping"]
    code = pack.get("instrument")
    if code is None:
        return ["the pack names no instrument"]
    form = INSTRUMENTS.get(code) if isinstance(code, str) else None
    if form is None:
        return [f"the pack names an unknown instrument {code!r}"]
    problems = [
        f"the pack has no {field}"
        for field in ("language", "version", "instructions")
        if blank(pack.get(field))
    ]
    items = pack.get("items")
    if not isinstance(items, Mapping):
        return [*problems, "the pack has no items"]
    for key in items:
        if key not in form.link_ids:
            problems.append(f"the pack has an item {key!r} that {form.code} does not have")
    for item in form.items:
        if item.link_id not in items:
            problems.append(f"item {item.link_id} is missing")
        else:
            problems.extend(item_problems(form, item, items[item.link_id]))
    return problems


def with_wording(form: Instrument, pack: Mapping[str, object]) -> Instrument:
    """A copy of ``form`` with the pack's instructions, item texts and option labels. ValueError
    listing every problem when the pack does not fit, or is for another instrument."""
    problems = pack_problems(pack)
    if not problems and pack.get("instrument") != form.code:
        problems = [f"the pack is for {pack.get('instrument')}, not {form.code}"]
    if problems:
        raise ValueError("; ".join(problems))
    items = pack["items"]
    assert isinstance(items, Mapping)  # noqa: S101 - pack_problems has checked it
    worded = []
    for item in form.items:
        entry = items[item.link_id]
        labels = {option_value(key): str(label) for key, label in entry["options"].items()}
        worded.append(
            replace(
                item,
                text=str(entry["text"]),
                options=tuple(
                    Option(option.value, labels.get(option.value, option.label))
                    for option in item.options
                ),
            )
        )
    return replace(form, instructions=str(pack["instructions"]), items=tuple(worded))
