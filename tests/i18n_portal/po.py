"""A small reader of gettext catalogues (.po), enough for the checks here: each entry's flags,
message id (and plural), and translations. polib is not a dependency; this reads what
makemessages writes."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Entry:
    """One message of a catalogue; ``msgstr`` holds one translation, or one per plural form."""

    msgid: str = ""
    msgid_plural: str = ""
    msgstr: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr)

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags


def entries(path: Path) -> list[Entry]:
    """Every entry of the catalogue at ``path``, the header (empty msgid) first."""
    found: list[Entry] = []
    entry, key = Entry(), None

    def close():
        nonlocal entry, key
        if key is not None:
            found.append(entry)
        entry, key = Entry(), None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            close()
            continue
        if line.startswith("#~"):
            entry.obsolete = True
            continue
        if line.startswith("#,"):
            if key is not None and key.startswith("msgstr"):
                close()
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith("#"):
            if key is not None and key.startswith("msgstr"):
                close()
            continue
        word, _, rest = line.partition(" ")
        if line.startswith('"'):
            text = ast.literal_eval(line)
        else:
            if word == "msgid" and key is not None and key.startswith("msgstr"):
                close()
            key, text = word, ast.literal_eval(rest)
            if key.startswith("msgstr"):
                entry.msgstr.append("")
        if key == "msgid":
            entry.msgid += text
        elif key == "msgid_plural":
            entry.msgid_plural += text
        elif key and key.startswith("msgstr"):
            entry.msgstr[-1] += text
    close()
    return found
