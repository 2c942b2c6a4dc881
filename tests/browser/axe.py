"""Automated accessibility checks with axe-core, run inside the page under test.

axe-core is not committed: the first check installs it from the npm registry into the git-ignored
``.cache/axe``. Without npm the check skips locally and fails on CI (``tests.support.services``).
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError

from tests.support.locks import held
from tests.support.services import ROOT, need

AXE_DIR = ROOT / ".cache" / "axe"
AXE_SCRIPT = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
AXE_VERSION = "axe-core@4"
BLOCKING = ("serious", "critical")
_install_lock = threading.Lock()

RUN_AXE = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => ({
      target: n.target.join(" "),
      summary: n.failureSummary,
    })),
  }));
}"""


def axe_script() -> Path:
    """The path of axe.min.js, installing axe-core with npm the first time it is needed (by one
    test process; the other waits for it)."""
    with _install_lock, held("axe"):
        if not AXE_SCRIPT.exists():
            npm = shutil.which("npm")
            need(npm is not None, "npm, to install axe-core from the npm registry")
            AXE_DIR.mkdir(parents=True, exist_ok=True)
            result = subprocess.run(
                [npm, "install", "--prefix", str(AXE_DIR), "--no-audit", "--no-fund", AXE_VERSION],
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            need(
                result.returncode == 0 and AXE_SCRIPT.exists(),
                f"axe-core from the npm registry (npm said: {result.stderr.strip()[-500:]})",
            )
    return AXE_SCRIPT


def axe_violations(page, impacts: tuple[str, ...] = BLOCKING) -> list[dict]:
    """Run axe-core on the page once it has loaded; the violations of the given impacts.

    A click that submits a form returns once the next page has started to arrive, while it is
    still being parsed and its style sheets fetched: audited then, half a page would be checked
    (and an injected script could land in the document being replaced)."""
    script = axe_script()
    page.wait_for_load_state()
    try:
        page.add_script_tag(path=str(script))
    except PlaywrightError as error:
        # The site's Content-Security-Policy refuses inline scripts, and an injected tag is one.
        if "Content Security Policy" not in str(error):
            raise
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, the script is not subject to the page's CSP.
        page.evaluate(script.read_text(encoding="utf-8"))
    return [v for v in page.evaluate(RUN_AXE) if v["impact"] in impacts]


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']}")
        lines.extend(f"    at {n['target']}: {n['summary']}" for n in v["nodes"])
    return "\n".join(lines)


def assert_accessible(page, where: str = "") -> None:
    """No serious or critical axe-core violations on the page; each one printed if there are."""
    violations = axe_violations(page)
    if violations:
        print(f"axe-core on {where or page.url}:\n{describe(violations)}")
    assert not violations, f"accessibility violations on {where or page.url}:\n" + describe(
        violations
    )
