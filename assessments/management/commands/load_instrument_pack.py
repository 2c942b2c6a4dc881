"""``manage.py load_instrument_pack FILE``: install a site's licensed wording of an instrument
(EQ-5D-5L, SWEMWBS, or another language of any instrument) from a JSON pack, checked against the
shipped skeleton. Any problem refuses the whole pack, every problem named; nothing is installed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.responses import instrument_pack_install


class Command(BaseCommand):
    help = "Install a licensed instrument's wording from a pack file (JSON)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The pack: a JSON file (see docs/instruments.md).")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            pack = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CommandError(f"{path}: no such file") from None
        except UnicodeDecodeError:
            raise CommandError(f"{path}: not UTF-8 text") from None
        except json.JSONDecodeError as error:
            raise CommandError(f"{path}: not JSON ({error.msg}, line {error.lineno})") from None
        if not isinstance(pack, dict):
            raise CommandError(f"{path}: a pack is a JSON object; nothing was installed")
        try:
            wording = instrument_pack_install(pack)
        except ValidationError as error:
            problems = "\n".join(f"  - {message}" for message in error.messages)
            raise CommandError(
                f"{path}: the pack does not fit {pack.get('instrument')!r}; nothing was "
                f"installed:\n{problems}"
            ) from None
        self.stdout.write(
            f"Installed the wording of {wording.instrument} in {wording.language} ({path.name})."
        )
