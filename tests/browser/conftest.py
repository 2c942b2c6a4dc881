"""Headless Chromium (Debian's, never a downloaded one) driven by Playwright against live_server."""

import re
import shutil

import pytest

from tests.support.services import need

from .remote import BrowserThread, expect

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    """Chromium in a thread of its own (see tests/browser/remote.py for why)."""
    path = chromium_path()
    need(path is not None, "Debian's chromium (apt-get install chromium)")
    owner = BrowserThread(executable_path=path, args=CHROMIUM_FLAGS)
    yield owner.wrap(owner.browser)
    owner.stop()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    """A phone-sized screen (390 × 844), touch enabled."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        has_touch=True,
        is_mobile=True,
        device_scale_factor=2,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


SIGNED_IN = re.compile(r"^(?!.*/accounts/login/).*$")


def sign_in(page, username: str, password: str) -> None:
    """Sign in and wait until the browser has left the sign-in page (for the landing page or,
    with two-step sign-in, the code page), so nothing is read from a page still navigating."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(SIGNED_IN)
    page.wait_for_load_state()


def assert_refused(page, message: str) -> None:
    """A refused form says ``message`` twice: in the list at the top, as a link to the field,
    and beside the field itself."""
    expect(page.get_by_role("alert").get_by_role("link", name=message)).to_be_visible()
    expect(page.locator(".errorlist").get_by_text(message)).to_be_visible()
