"""The Dutch catalogue is complete: every message translated, none fuzzy, the placeholders kept,
plural forms right; the Flemish one holds only what differs and falls back to Dutch."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.i18n_portal.conftest import LOCALE
from tests.i18n_portal.po import entries

DUTCH = LOCALE / "nl" / "LC_MESSAGES" / "django.po"
FLEMISH = LOCALE / "nl_BE" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def test_the_dutch_catalogue_has_no_untranslated_and_no_fuzzy_entry():
    messages = [e for e in entries(DUTCH)[1:] if not e.obsolete]
    assert len(messages) > 300
    assert [e.msgid for e in messages if not e.translated] == []
    assert [e.msgid for e in messages if e.fuzzy] == []
    assert not entries(DUTCH)[0].fuzzy


@pytest.mark.parametrize("catalogue", [DUTCH, FLEMISH], ids=["nl", "nl_BE"])
def test_the_header_says_dutch_plurals(catalogue):
    header = entries(catalogue)[0].msgstr[0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header
    assert "charset=UTF-8" in header


@pytest.mark.parametrize("catalogue", [DUTCH, FLEMISH], ids=["nl", "nl_BE"])
def test_every_translation_keeps_the_placeholders_of_its_message(catalogue):
    wrong = []
    for entry in entries(catalogue)[1:]:
        wanted = set(PLACEHOLDER.findall(entry.msgid + entry.msgid_plural))
        for text in filter(None, entry.msgstr):
            if set(PLACEHOLDER.findall(text)) != wanted:
                wrong.append((entry.msgid, text))
    assert wrong == []


def test_plural_messages_have_both_dutch_forms():
    plurals = [e for e in entries(DUTCH) if e.msgid_plural]
    assert len(plurals) >= 5
    assert all(len(e.msgstr) == 2 and all(e.msgstr) for e in plurals)


def test_the_flemish_catalogue_holds_only_what_differs_from_dutch():
    dutch = {e.msgid: e.msgstr for e in entries(DUTCH)[1:]}
    flemish = [e for e in entries(FLEMISH)[1:] if e.translated]
    # Only the differences (chiefly "aanmelden" for "inloggen"): a small part of the whole.
    assert 0 < len(flemish) < len(dutch) / 5
    assert all(e.msgstr != dutch[e.msgid] for e in flemish)
    assert {e.msgid: e.msgstr[0] for e in flemish}["Sign in"] == "Aanmelden"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext's msgfmt is not installed")
@pytest.mark.parametrize("catalogue", [DUTCH, FLEMISH], ids=["nl", "nl_BE"])
def test_msgfmt_checks_the_catalogue_and_counts_no_fuzzy(catalogue):
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(catalogue)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "fuzzy" not in result.stderr
    if catalogue == DUTCH:
        assert "untranslated" not in result.stderr
