"""Generate the README screenshots from a scratch database with the demo cohort.

    .venv/bin/python docs/screenshots/make_screenshots.py [--only dashboards]

Migrates a scratch SQLite database, loads the demo cohort (``seed_demo --patients 200``), runs the
development server on a free 127.0.0.1 port, signs in with Playwright driving Debian's chromium
and saves PNGs next to this file. Each screen family is one function taking a signed-in-ready
``Shots`` helper; add yours to ``SCREENS``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent
DB_PATH = Path("/tmp/ssm-shots.sqlite3")  # noqa: S108 — a scratch database, deleted on start
DATABASE_URL = f"sqlite:///{DB_PATH}"
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "ssm-demo")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
VIEWPORT = {"width": 1280, "height": 900}


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": DATABASE_URL,
            "DEBUG": "1",
            "DJANGO_SETTINGS_MODULE": "ssm_outcomes.settings",
            "DEMO_PASSWORD": DEMO_PASSWORD,
        }
    )
    return env


def _manage(*args: str) -> None:
    command = [sys.executable, "manage.py", *args]
    subprocess.run(command, cwd=ROOT, env=_env(), check=True)  # noqa: S603 — fixed arguments


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the development server stopped before it was ready")
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError("the development server did not start in time")


def database_prepare() -> None:
    """A fresh scratch database with the demo cohort and its stored summaries."""
    DB_PATH.unlink(missing_ok=True)
    _manage("migrate", "--noinput", "-v", "0")
    command = ROOT / "demo" / "management" / "commands" / "seed_demo.py"
    if not command.exists():
        raise SystemExit("seed_demo is not there yet: the screenshots need the demo cohort")
    _manage("seed_demo", "--patients", "200", "--force")


class Shots:
    """A browser page on the running server that signs in and saves screenshots."""

    def __init__(self, page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url

    def sign_in(self, username: str) -> None:
        self.page.context.clear_cookies()
        self.page.goto(f"{self.base_url}/accounts/login/")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(DEMO_PASSWORD)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_load_state()

    def open(self, path: str) -> None:
        self.page.goto(f"{self.base_url}{path}")
        self.page.wait_for_load_state()

    def save(self, name: str, *, full_page: bool = True) -> Path:
        path = OUT / name
        self.page.screenshot(path=str(path), full_page=full_page)
        print(f"  saved {path.relative_to(ROOT)}")
        return path


# --- Screen families -------------------------------------------------------------------------


def dashboards(shots: Shots) -> None:
    """The service dashboards as demo-manager sees them, the comparison of teams as demo-network
    sees it, and demo-clinician's own caseload."""
    shots.sign_in("demo-manager")
    shots.open("/dashboards/")
    shots.page.get_by_role("link", name="Riverside General Practice").first.click()
    shots.page.wait_for_load_state()
    overview = shots.page.url.split("?")[0].removeprefix(shots.base_url)
    shots.save("dashboard-overview.png")
    shots.open(f"{overview}trends/")
    shots.page.set_viewport_size({"width": 1280, "height": 1500})
    shots.save("dashboard-trends.png", full_page=False)
    shots.page.set_viewport_size(VIEWPORT)
    shots.open(f"{overview}what-matters/")
    shots.save("dashboard-what-matters.png")
    shots.open(f"{overview}instruments/")
    shots.save("dashboard-instruments.png")
    shots.sign_in("demo-network")
    shots.open("/dashboards/comparisons/")
    shots.page.set_viewport_size({"width": 1280, "height": 1400})
    shots.save("dashboard-comparison.png", full_page=False)
    shots.page.set_viewport_size(VIEWPORT)
    shots.sign_in("demo-clinician")
    shots.open("/dashboards/my-caseload/")
    shots.page.set_viewport_size({"width": 1280, "height": 1500})
    shots.save("my-caseload.png", full_page=False)
    shots.page.set_viewport_size(VIEWPORT)


def clinic(shots: Shots) -> None:
    """The clinician workspace as demo-clinician sees it, with demo-patient's record."""
    shots.sign_in("demo-clinician")
    shots.open("/clinic/?sort=changed")
    shots.save("clinic-caseload.png")
    shots.page.get_by_label("Find a patient by name").fill("")
    shots.open("/clinic/?q=" + _demo_patient_name(shots))
    shots.page.get_by_role("table").get_by_role("link").first.click()
    shots.page.wait_for_load_state()
    record = shots.page.url.removeprefix(shots.base_url)
    shots.page.set_viewport_size({"width": 1280, "height": 1800})
    shots.save("clinic-record.png", full_page=False)
    shots.open(f"{record}encounters/new/")
    shots.page.get_by_text("Ratings (0 = as bad").click()
    shots.save("clinic-encounter.png", full_page=False)
    shots.page.set_viewport_size(VIEWPORT)


def _demo_patient_name(shots: Shots) -> str:
    """The display name of demo-patient, read from the database the server uses."""
    import sqlite3

    with sqlite3.connect(DB_PATH) as db:
        row = db.execute(
            "SELECT p.display_name FROM patients_patient p JOIN patients_user u "
            "ON u.id = p.user_id WHERE u.username = 'demo-patient'"
        ).fetchone()
    return row[0].split()[0]


PHONE = {"width": 390, "height": 844}


def _patient_without_login() -> str:
    """The name of a demo patient of demo-clinician's teams who has no portal login yet."""
    code = (
        "from patients.models import Patient, User;"
        "c = User.objects.get(username='demo-clinician');"
        "print(Patient.objects.filter(user=None, teams__memberships__user=c)"
        ".order_by('pk').first().display_name)"
    )
    found = subprocess.run(  # noqa: S603 — our own manage.py, fixed arguments
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT, env=_env(), check=True, capture_output=True, text=True,
    )  # fmt: skip
    return found.stdout.strip().splitlines()[-1]


def portal(shots: Shots) -> None:
    """The patient portal as demo-patient sees it on a phone (390 × 844), and the invitation."""
    context = shots.page.context.browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    phone = Shots(context.new_page(), shots.base_url)
    phone.page.set_default_timeout(30_000)

    # The invitation link a clinician makes for a patient without a login, opened on their phone.
    shots.sign_in("demo-clinician")
    shots.open("/clinic/?q=" + _patient_without_login())
    shots.page.get_by_role("table").get_by_role("link").first.click()
    shots.page.get_by_role("button", name="Invite to the patient portal").click()
    link = shots.page.locator(".invitation-link a").get_attribute("href")
    phone.open("/me/" + link.split("/me/", 1)[1])
    phone.save("portal-welcome.png", full_page=False)

    phone.sign_in("demo-patient")
    phone.open("/me/")
    phone.save("portal-home.png")
    phone.page.get_by_role("link", name="A few short questions from your care team").first.click()
    phone.page.get_by_role("button", name="Skip this question").wait_for()
    phone.save("portal-questionnaire.png", full_page=False)
    phone.open("/me/what-matters/")  # with priorities saved, it opens on sharing the points
    phone.save("portal-what-matters.png", full_page=False)
    phone.page.get_by_role("button", name="Change what I picked").click()
    phone.page.get_by_role("button", name="Next: share my points").wait_for()
    phone.save("portal-what-matters-pick.png", full_page=False)
    phone.open("/me/how-it-is-going/")
    phone.page.get_by_role("link", name="Answer").first.click()
    phone.page.get_by_label("7", exact=True).check()
    phone.save("portal-how-it-is-going.png", full_page=False)
    phone.open("/me/goals/")
    phone.save("portal-goals.png", full_page=False)
    phone.open("/me/next-appointment/")
    phone.save("portal-next-appointment.png", full_page=False)
    phone.open("/me/progress/")
    phone.save("portal-progress.png")
    context.close()


def portal_dutch(shots: Shots) -> None:
    """The portal home as demo-patient-nl sees it on a phone: in Dutch, the language she chose
    (she signs in on the English sign-in page; from then on her own language counts)."""
    context = shots.page.context.browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    phone = Shots(context.new_page(), shots.base_url)
    phone.page.set_default_timeout(30_000)
    phone.sign_in("demo-patient-nl")
    phone.open("/me/")
    phone.page.locator('html[lang="nl"]').wait_for(state="attached")
    phone.save("portal-home-nl.png")
    context.close()


SCREENS: dict[str, Callable[[Shots], None]] = {
    "dashboards": dashboards,
    "clinic": clinic,
    "portal": portal,
    "portal-nl": portal_dutch,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(SCREENS), action="append")
    args = parser.parse_args(argv)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("Debian's chromium is needed: apt-get install chromium")

    database_prepare()
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603 — our own manage.py, fixed arguments
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(port, server)
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
            context = browser.new_context(viewport=VIEWPORT)
            page = context.new_page()
            page.set_default_timeout(30_000)
            shots = Shots(page, f"http://127.0.0.1:{port}")
            for name in args.only or SCREENS:
                print(f"{name}:")
                SCREENS[name](shots)
            browser.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
