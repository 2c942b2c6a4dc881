"""The Dutch catalogue is up to date: every text the code marks for translation is in
locale/nl/LC_MESSAGES/django.po (run `make messages`, then translate), and the Flemish one holds
no text the code no longer has.

makemessages runs on a copy of the code, so the test never writes to the real catalogues."""

import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

ROOT = Path(settings.BASE_DIR)
LOCALE = ROOT / "locale"
# What `make messages` leaves out (MESSAGES_IGNORE in the Makefile), and what is not code.
NOT_COPIED = shutil.ignore_patterns(
    ".*",
    "__pycache__",
    "*.pyc",
    "*.mo",
    "staticfiles",
    "node_modules",
    "tests",
    "docs",
    "benchmarks",
    "static",
    "db.sqlite3*",
)

_ENTRY = re.compile(
    r'^(?:msgctxt\s+(?P<ctxt>(?:".*"\s*)+))?msgid\s+(?P<id>(?:".*"\s*)+)', re.MULTILINE
)


_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def _unquote(lines: str) -> str:
    """The text of a quoted, possibly multi-line PO string."""
    joined = "".join(re.findall(r'"(.*)"', lines))
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m[1], m[0]), joined)


def msgids(po: Path) -> set[tuple[str, str]]:
    """The (context, text) of each live entry of a catalogue: not the header, not obsolete."""
    text = "\n".join(
        line for line in po.read_text(encoding="utf-8").splitlines() if not line.startswith("#")
    )
    found = {(_unquote(m["ctxt"] or ""), _unquote(m["id"])) for m in _ENTRY.finditer(text)}
    found.discard(("", ""))
    return found


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> dict[str, Path]:
    """makemessages, as `make messages` runs it, over a copy of the code and catalogues."""
    copy = tmp_path_factory.mktemp("code") / "ssm"
    shutil.copytree(ROOT, copy, ignore=NOT_COPIED, symlinks=True)
    if LOCALE.exists():
        shutil.copytree(LOCALE, copy / "locale", dirs_exist_ok=True, ignore=NOT_COPIED)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(copy)
        patch.setattr(settings, "LOCALE_PATHS", [copy / "locale"])
        call_command(
            "makemessages",
            locale=["nl", "nl_BE"],
            no_location=True,
            no_obsolete=True,
            verbosity=0,
        )
    return {name: copy / "locale" / name / "LC_MESSAGES" / "django.po" for name in ("nl", "nl_BE")}


def test_the_dutch_catalogue_exists():
    assert (LOCALE / "nl" / "LC_MESSAGES" / "django.po").is_file()


def test_every_marked_text_is_in_the_dutch_catalogue(extracted):
    wanted = msgids(extracted["nl"])
    have = msgids(LOCALE / "nl" / "LC_MESSAGES" / "django.po")
    missing = sorted(wanted - have)
    assert wanted, "makemessages found no text marked for translation"
    assert missing == [], f"run `make messages` and translate: {missing}"


def test_the_dutch_catalogue_holds_no_text_the_code_dropped(extracted):
    stale = sorted(msgids(LOCALE / "nl" / "LC_MESSAGES" / "django.po") - msgids(extracted["nl"]))
    assert stale == [], f"run `make messages` to drop them: {stale}"


def test_the_flemish_catalogue_holds_no_text_the_code_dropped(extracted):
    flemish = LOCALE / "nl_BE" / "LC_MESSAGES" / "django.po"
    have = msgids(flemish) if flemish.exists() else set()
    stale = sorted(have - msgids(extracted["nl_BE"]))
    assert stale == [], f"run `make messages` to drop them: {stale}"


def test_msgids_are_read_whole_across_lines(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr "Language: nl\\n"\n\n'
        '#: x.py\nmsgid ""\n"Two "\n"lines “quoted”"\nmsgstr ""\n\n'
        'msgctxt "button"\nmsgid "Save"\nmsgstr "Opslaan"\n\n'
        '#~ msgid "Gone"\n#~ msgstr "Weg"\n',
        encoding="utf-8",
    )
    assert msgids(po) == {("", "Two lines “quoted”"), ("button", "Save")}


def test_flemish_pages_read_the_sites_dutch_where_flemish_says_nothing_else():
    """Where the Flemish catalogue has no text of its own, a Flemish page reads the site's Dutch,
    never Django's own Dutch for the same words ("Change" once read "Wijzigen", edit, where the
    site says "Verschil", the difference)."""
    import gettext as gettext_module

    from django.utils import translation

    def catalogue(language: str) -> dict:
        with (LOCALE / language / "LC_MESSAGES" / "django.mo").open("rb") as mo:
            return gettext_module.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]

    dutch, flemish = catalogue("nl"), catalogue("nl_BE")
    differing = []
    with translation.override("nl-be"):
        for key, text in dutch.items():
            if not isinstance(key, str) or not key or key in flemish:
                continue  # plural forms, the header, and Flemish texts of its own
            context, _, msgid = key.rpartition("\x04")
            read = translation.pgettext(context, msgid) if context else translation.gettext(msgid)
            if read != text:
                differing.append((msgid, read, text))
    assert differing == []
