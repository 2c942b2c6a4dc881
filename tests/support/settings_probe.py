"""The project's settings as a fresh start would read them from a given environment, without
starting a process: the settings module is run again under another name."""

from __future__ import annotations

import importlib.util
import os
from types import ModuleType
from unittest import mock

from tests.support.services import ROOT


def settings_read(**env: str | None) -> ModuleType:
    """The settings module run afresh with ``env`` over this process's environment (a value of
    None: the variable unset). Raises what the settings raise, e.g. ImproperlyConfigured."""
    spec = importlib.util.spec_from_file_location(
        "ssm_outcomes.settings_probe", ROOT / "ssm_outcomes" / "settings.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    with mock.patch.dict(os.environ):
        for name, value in env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        spec.loader.exec_module(module)
    return module
