"""The translations are compiled before these tests run, as `make install` does, so that
`pytest` alone works from a clean clone."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.utils.translation import trans_real


def compile_catalogues() -> None:
    """Compile each locale/*/LC_MESSAGES/django.po whose .mo is missing or older."""
    compiled = False
    for locale_path in settings.LOCALE_PATHS:
        for po in Path(locale_path).glob("*/LC_MESSAGES/django.po"):
            mo = po.with_suffix(".mo")
            if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
                subprocess.run(
                    [shutil.which("msgfmt") or "msgfmt", "--check-format", "-o", str(mo), str(po)],
                    check=True,
                )
                compiled = True
    if compiled:  # catalogues already loaded in this process are read again
        trans_real._translations = {}
        trans_real._default = None


@pytest.fixture(autouse=True, scope="session")
def _catalogues_compiled():
    compile_catalogues()
