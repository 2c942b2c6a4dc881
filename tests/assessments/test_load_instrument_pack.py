"""``manage.py load_instrument_pack``: a site's licensed wording is installed only when it fits
the shipped skeleton; otherwise every problem is named and nothing is installed."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from assessments.instrument_selectors import instrument_worded
from assessments.models import InstrumentWording

pytestmark = pytest.mark.django_db


def swemwbs_pack(**changes):
    pack = {
        "instrument": "SWEMWBS", "language": "en-gb", "version": "site copy 1",
        "instructions": "Placeholder instructions",
        "items": {str(n): {"text": f"Placeholder statement {n}",
                           "options": {str(v): f"Label {v}" for v in range(1, 6)}}
                  for n in range(1, 8)},
    }  # fmt: skip
    pack.update(changes)
    return pack


def write(tmp_path, pack) -> str:
    path = tmp_path / "pack.json"
    path.write_text(json.dumps(pack), encoding="utf-8")
    return str(path)


def test_a_good_pack_is_installed_and_the_pages_show_its_wording(tmp_path, capsys):
    call_command("load_instrument_pack", write(tmp_path, swemwbs_pack()))

    assert "Installed the wording of SWEMWBS in en-gb" in capsys.readouterr().out
    assert instrument_worded("SWEMWBS").items[6].text == "Placeholder statement 7"


def test_a_pack_that_does_not_fit_names_every_problem_and_installs_nothing(tmp_path):
    pack = swemwbs_pack()
    del pack["items"]["7"]
    pack["items"]["9"] = {"text": "Extra", "options": {}}

    with pytest.raises(CommandError) as refused:
        call_command("load_instrument_pack", write(tmp_path, pack))

    message = str(refused.value)
    assert "nothing was installed" in message
    assert "7" in message
    assert "9" in message
    assert InstrumentWording.objects.count() == 0
    assert instrument_worded("SWEMWBS").items[0].text is None


@pytest.mark.parametrize(
    ("content", "said"),
    [(b"{not json", "not JSON"), (b"\xff\xfe", "not UTF-8"), (b"[1, 2]", "a JSON object")],
)
def test_a_file_that_is_not_a_pack_is_refused_in_words(tmp_path, content, said):
    path = tmp_path / "pack.json"
    path.write_bytes(content)

    with pytest.raises(CommandError, match=said):
        call_command("load_instrument_pack", str(path))


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("load_instrument_pack", str(tmp_path / "missing.json"))
