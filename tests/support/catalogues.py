"""The translations compiled before the tests that read them, as `make install` does, so that
`pytest` alone works from a clean clone (compiled catalogues are build products, never
committed)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

from django.utils.translation import trans_real

from tests.support.locks import held


def catalogues_compiled(locale_dirs: Iterable[Path | str]) -> None:
    """Compile each ``<locale dir>/*/LC_MESSAGES/django.po`` whose .mo is missing or older.

    One test process compiles while the other waits (a shared lock); each .mo is written beside
    its place and moved in whole, so no process ever reads half of one. The catalogues this
    process has already read are then read again."""
    with held("catalogues"):
        for locale_dir in locale_dirs:
            for po in sorted(Path(locale_dir).glob("*/LC_MESSAGES/django.po")):
                mo = po.with_suffix(".mo")
                if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
                    continue
                partial = mo.with_name(f"django.mo.{os.getpid()}")
                subprocess.run(
                    [shutil.which("msgfmt") or "msgfmt", "--check-format", "-o", partial, po],
                    check=True,
                )
                os.replace(partial, mo)
    trans_real._translations = {}
    trans_real._default = None
