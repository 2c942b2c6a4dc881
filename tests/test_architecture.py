"""Dependencies between apps point one way: `accounts` builds on `patients`, never the reverse, so
that the core records (models, services, selectors) do not depend on how people sign in."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = ["patients/models.py", "patients/services.py", "patients/selectors.py"]


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("module", CORE)
def test_the_core_records_never_import_accounts(module):
    imports = imported_modules(ROOT / module)

    assert sorted(m for m in imports if m.split(".")[0] == "accounts") == []
