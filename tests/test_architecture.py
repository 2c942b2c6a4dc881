"""The ladder of apps (docs/architecture.md): imports only go down, and nothing dodges that rule
with an import hidden inside a function."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ["ssm_outcomes", "patients", "assessments", "indicators"]
SURFACES = ["accounts", "clinic", "portal", "interop", "demo"]
LADDER = [*APPS, *SURFACES]  # lowest first; the surfaces share the top rung


def lint_imports(root: Path = ROOT) -> subprocess.CompletedProcess:
    """import-linter's command line, as `make lint` runs it, on this checkout (or a copy)."""
    command = "from importlinter.cli import lint_imports_command; lint_imports_command()"
    return subprocess.run(
        [sys.executable, "-c", command, "--no-cache"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_import_contracts_hold():
    """import-linter's contracts in pyproject.toml: no upward import, no cycle between apps,
    no surface importing another."""
    result = lint_imports()

    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def rung(module: str) -> int:
    top = module.split(".")[0]
    return min(LADDER.index(top), len(APPS)) if top in LADDER else -1


def python_files(app: str):
    return [p for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts]


def local_imports(path: Path) -> list[tuple[int, str]]:
    """Imports of our own apps made inside a function (apps.py's ready() excepted)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name != "ready":
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom) and inner.level == 0 and inner.module:
                    if rung(inner.module) >= 0:
                        found.append((inner.lineno, inner.module))
                elif isinstance(inner, ast.ImportFrom) and inner.level > 0:
                    found.append((inner.lineno, "." * inner.level + (inner.module or "")))
    return found


@pytest.mark.parametrize("app", LADDER)
def test_no_import_of_our_own_code_hides_inside_a_function(app):
    hidden = {
        str(path.relative_to(ROOT)): local_imports(path)
        for path in python_files(app)
        if local_imports(path)
    }

    assert hidden == {}


def test_the_contract_would_catch_an_upward_import(tmp_path):
    """The check can fail: a copy of the apps and the config, with patients importing
    indicators, breaks it. (A copy: a probe written into the checkout would break the other
    tests reading it, which may run at the same time in the other test process.)"""
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    for app in LADDER:
        shutil.copytree(ROOT / app, tmp_path / app, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "patients" / "_ladder_probe.py").write_text("import indicators.scoring  # noqa\n")

    result = lint_imports(tmp_path)

    assert result.returncode != 0
    assert "patients is not allowed to import indicators" in result.stdout


@pytest.mark.parametrize("app", LADDER)
def test_each_app_has_a_test_folder_of_its_name(app):
    """A newcomer finds the test of any page or rule from where its code lives."""
    modules = sorted(p.name for p in (ROOT / "tests" / app).glob("test_*.py"))

    assert modules, f"tests/{app}/ holds no test module"
