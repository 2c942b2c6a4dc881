"""Every page of the product says which language it is in, and says it right: axe-core's language
rules find nothing, ``<html lang>`` is the language of whoever reads it, and the response's
Content-Language agrees. One browser context per role; each page is checked once it has loaded.

The list of pages is checked against the URLconf (without a browser), so a page added later
fails here until it is placed in a role's list or named as not a page."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from assessments.responses import team_instrument_offer
from patients.invitations import invitation_create, invitation_link
from patients.models import PatientImport, User
from tests.browser.axe import axe_script
from tests.browser.conftest import sign_in
from tests.browser.remote import expect
from tests.conftest import PASSWORD
from tests.factories import (
    EncounterFactory,
    GoalFactory,
    MembershipFactory,
    PatientFactory,
    UserFactory,
)
from tests.support.two_step import authenticator_for, code_now

LANG_RULES = ["html-has-lang", "html-lang-valid", "html-xml-lang-mismatch", "valid-lang"]

RUN_LANG_RULES = """async (rules) => {
  const results = await axe.run(document, {
    runOnly: {type: "rule", values: rules},
    resultTypes: ["violations"],
  });
  return results.violations.map((v) => ({
    id: v.id,
    nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + ": " + n.failureSummary),
  }));
}"""

#: Each page, by URL name, and the roles that open it (see ROLES). A page seen by no role is
#: a failure of test_every_page_of_the_urlconf_is_checked.
PAGES: dict[str, tuple[str, ...]] = {
    "home": ("clinician",),
    "login": ("visitor", "dutch visitor"),
    "password_reset": ("visitor", "dutch visitor"),
    "password_reset_done": ("visitor",),
    "password_reset_confirm": ("visitor",),
    "password_reset_complete": ("visitor",),
    "account": ("clinician", "manager", "two-step user"),
    "two_step": ("clinician", "two-step user"),
    "two_step_verify": ("two-step user",),
    "two_step_recovery": ("two-step user",),
    "two_step_recovery_codes": ("two-step user",),
    "two_step_enrol": ("clinician",),
    "api_tokens": ("clinician", "manager", "patient"),
    "clinic:caseload": ("clinician",),
    "clinic:patient": ("clinician",),
    "clinic:encounter-new": ("clinician",),
    "clinic:records": ("clinician",),
    "clinic:invite": ("clinician",),
    "clinic:sign-in-help": ("clinician",),
    "clinic:sign-in-letter": ("clinician",),
    "clinic:import-start": ("clinician",),
    "clinic:import": ("clinician",),
    "clinic:consultation-summary": ("clinician",),
    "dashboards:index": ("manager",),
    "dashboards:my_caseload": ("clinician",),
    "dashboards:team_overview": ("manager",),
    "dashboards:team_trends": ("manager",),
    "dashboards:team_what_matters": ("manager",),
    "dashboards:team_context": ("manager",),
    "dashboards:team_instruments": ("manager",),
    "dashboards:team_caseloads": ("manager",),
    "dashboards:comparison": ("manager",),
    "portal:home": ("patient", "dutch patient"),
    "portal:priorities": ("patient", "dutch patient"),
    "portal:item-add": ("patient", "dutch patient"),
    "portal:ratings": ("patient", "dutch patient"),
    "portal:rate": ("patient", "dutch patient"),
    "portal:goals": ("patient", "dutch patient"),
    "portal:goal-new": ("patient", "dutch patient"),
    "portal:goal-review": ("patient", "dutch patient"),
    "portal:agenda": ("patient", "dutch patient"),
    "portal:feedback": ("patient", "dutch patient"),
    "portal:questionnaire": ("patient", "dutch patient"),
    "portal:questionnaire-done": ("patient", "dutch patient"),
    "portal:progress": ("patient", "dutch patient"),
    "portal:settings": ("patient", "dutch patient"),
    "portal:access-log": ("patient", "dutch patient"),
    "portal:welcome": ("visitor",),  # and a Flemish invitation in a Dutch browser, below
}

#: Routes that are not pages a browser opens, and why.
NOT_PAGES = {
    "health": "JSON for load balancers",
    "set_language": "POST only (the sign-in page's language switch)",
    "logout": "POST only",
    "dashboards:team_export": "a CSV file",
    "dashboards:comparison_export": "a CSV file",
    "clinic:appointment-new": "POST only (a form on the record)",
    "clinic:condition-add": "POST only (a form on the record)",
    "clinic:condition-change": "POST only (a form on the record)",
    "clinic:target-change": "POST only (a form on the record)",
    "clinic:goal-change": "POST only (a form on the record)",
    "clinic:context-event-add": "POST only (a form on the record)",
    "api_token_revoke": "POST only (a button on the API tokens page)",
    "clinic:import-run": "POST only (the import page's button)",
    "clinic:import-progress": "JSON for the import page's progress bar",
    "clinic:invite-many": "POST only (the caseload's invite buttons; answered with the letters)",
    "clinic:consultation-summary-pdf": "a PDF file",
}

#: Error pages, by role: (path, status). Error pages have no URL name of their own.
ERROR_PAGES = {
    "visitor": [("/no-such-page/", 404), ("/me/welcome/set-password/", 400)],
    "dutch visitor": [("/no-such-page/", 404), ("/me/welcome/set-password/", 400)],
    "clinician": [("/me/", 403), ("/clinic/patients/999999/", 404)],
    "manager": [("/clinic/", 403)],
    "patient": [("/accounts/", 403)],
    "dutch patient": [("/accounts/", 403), ("/no-such-page/", 404)],
}

#: The language each role reads the site in, as <html lang> and Content-Language say it.
ROLE_LANGUAGE = {
    "visitor": "en-gb",
    "dutch visitor": "nl",
    "clinician": "en-gb",
    "manager": "nl-be",
    "two-step user": "nl",
    "patient": "en-gb",
    "dutch patient": "nl",
}


def _named_routes(patterns, namespace: str = "", prefix: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or ""
            full = f"{namespace}:{inner}" if namespace and inner else (inner or namespace)
            yield from _named_routes(pattern.url_patterns, full, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and pattern.name:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield prefix + str(pattern.pattern), name


def site_routes() -> set[str]:
    """Every named route of the site, the admin and the API excluded."""
    return {
        name
        for route, name in _named_routes(get_resolver().url_patterns)
        if not route.startswith(("admin/", "api/"))
    }


def test_every_page_of_the_urlconf_is_checked():
    routes = site_routes()
    assert {"portal:home", "clinic:caseload", "login"} <= routes
    unplaced = routes - set(PAGES) - set(NOT_PAGES)
    assert not unplaced, f"place these in PAGES (with a role) or NOT_PAGES: {sorted(unplaced)}"
    gone = (set(PAGES) | set(NOT_PAGES)) - routes
    assert not gone, f"no longer routes: {sorted(gone)}"
    assert not set(PAGES) & set(NOT_PAGES)
    assert all(roles and set(roles) <= set(ROLE_LANGUAGE) for roles in PAGES.values())


# --- In the browser -----------------------------------------------------------------------------


def lang_violations(page) -> list[dict]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Through the DevTools protocol, so the page's Content-Security-Policy does not apply.
        page.evaluate(axe_script().read_text(encoding="utf-8"))
    return page.evaluate(RUN_LANG_RULES, LANG_RULES)


def check(page, path: str, language: str, status: int = 200) -> str:
    """Open `path`, wait until it has loaded, and check its language; returns where it landed."""
    response = page.goto(path)
    page.wait_for_load_state()
    where = urlsplit(page.url).path
    assert response is not None, path
    assert response.status == status, f"{path} → {where}: {response.status}"
    expect(page.locator("html")).to_have_attribute("lang", language)
    assert page.evaluate("document.documentElement.lang") == language, where
    assert response.header_value("content-language") == language, where
    violations = lang_violations(page)
    assert violations == [], f"{path} → {where}: {violations}"
    return where


@pytest.fixture
def browser_as(browser, live_server):
    """A browser context of its own for each role, closed at the end of the test."""
    contexts = []

    def new(locale: str = "en-GB"):
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale=locale
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield new
    for context in contexts:
        context.close()


@pytest.fixture
def world(team, clinician, manager, patient, django_capture_on_commit_callbacks):
    """The people and records every page needs: an English and a Dutch patient with a goal, an
    appointment to give feedback on and a questionnaire due; a patient with no login yet."""
    team_instrument_offer(team=team, instrument="PHQ2", schedule="quarterly")
    dutch = PatientFactory(
        display_name="Anneke V.",
        teams=[team],
        user=UserFactory(username="anneke", role=User.Role.PATIENT, language="nl"),
    )
    User.objects.filter(pk=manager.pk).update(language="nl-be")
    two_step = UserFactory(username="tweestap", role=User.Role.CLINICIAN, language="nl")
    MembershipFactory(user=two_step, team=team)
    authenticator_for(two_step)
    ids = {}
    for who in (patient, dutch):
        ids[who.user.username] = {
            "goal": GoalFactory(patient=who).pk,
            "encounter": EncounterFactory(
                patient=who,
                clinician=clinician,
                occurred_at=timezone.now() - dt.timedelta(days=1),
            ).pk,
        }
    newcomer = PatientFactory(display_name="Margaret H.", teams=[team], user=None)
    preview = PatientImport.objects.create(
        team=team, created_by=clinician, file_name="list.csv", rows=1,
        text="display_name,birth_year,local_id\nAda L.,1951,R-1\n",
    )  # fmt: skip
    return {
        "import": preview,
        "team": team,
        "patient": patient,
        "dutch": dutch,
        "newcomer": newcomer,
        "two_step": two_step,
        "ids": ids,
    }


def portal_paths(ids: dict) -> dict[str, str]:
    return {
        "portal:home": reverse("portal:home"),
        "portal:priorities": reverse("portal:priorities"),
        "portal:item-add": reverse("portal:item-add"),
        "portal:ratings": reverse("portal:ratings"),
        "portal:rate": reverse("portal:rate", args=["H2"]),
        "portal:goals": reverse("portal:goals"),
        "portal:goal-new": reverse("portal:goal-new"),
        "portal:goal-review": reverse("portal:goal-review", args=[ids["goal"]]),
        "portal:agenda": reverse("portal:agenda"),
        "portal:feedback": reverse("portal:feedback", args=[ids["encounter"]]),
        "portal:questionnaire": reverse("portal:questionnaire", args=["PHQ2"]),
        "portal:questionnaire-done": reverse("portal:questionnaire-done", args=["PHQ2"]),
        "portal:progress": reverse("portal:progress"),
        "portal:settings": reverse("portal:settings"),
        "portal:access-log": reverse("portal:access-log"),
    }


def check_role(page, role: str, paths: dict[str, str | tuple[str, int]]) -> None:
    language = ROLE_LANGUAGE[role]
    wanted = {name for name, roles in PAGES.items() if role in roles}
    assert wanted <= set(paths), f"{role}: no path for {sorted(wanted - set(paths))}"
    # Error pages first: the welcome page's 400 is for a browser that opened no invitation yet.
    for path, status in ERROR_PAGES.get(role, []):
        check(page, path, language, status)
    for name in sorted(wanted):
        path, status = paths[name] if isinstance(paths[name], tuple) else (paths[name], 200)
        check(page, path, language, status)


@pytest.mark.parametrize("role", ["patient", "dutch patient"])
@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_portal_page_is_in_the_patients_language(browser_as, world, role):
    user = world["patient" if role == "patient" else "dutch"].user
    page = browser_as()
    sign_in(page, user.username, PASSWORD)
    paths = portal_paths(world["ids"][user.username]) | {"api_tokens": reverse("api_tokens")}
    check_role(page, role, paths)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_clinic_and_account_page_is_in_the_clinicians_language(browser_as, world):
    patient, dutch, newcomer = world["patient"], world["dutch"], world["newcomer"]
    page = browser_as()
    sign_in(page, "nurse", PASSWORD)
    paths = {
        "home": reverse("home"),
        "account": reverse("account"),
        "two_step": reverse("two_step"),
        # A set-up link that is not (or no longer) good: refused, in the reader's language.
        "two_step_enrol": (reverse("two_step_enrol", args=["not-a-real-link"]), 400),
        "api_tokens": reverse("api_tokens"),
        "clinic:caseload": reverse("clinic:caseload"),
        "clinic:patient": reverse("clinic:patient", args=[patient.pk]),
        "clinic:encounter-new": reverse("clinic:encounter-new", args=[patient.pk]),
        "clinic:records": reverse("clinic:records", args=[patient.pk]),
        "clinic:invite": reverse("clinic:invite", args=[newcomer.pk]),
        "clinic:sign-in-help": reverse("clinic:sign-in-help", args=[patient.pk]),
        # The Dutch patient's letter: a Dutch part of an English page, marked lang="nl".
        "clinic:sign-in-letter": reverse("clinic:sign-in-letter", args=[dutch.pk]),
        "dashboards:my_caseload": reverse("dashboards:my_caseload"),
        "clinic:import-start": reverse("clinic:import-start"),
        "clinic:import": reverse("clinic:import", args=[world["import"].pk]),
        "clinic:consultation-summary": reverse("clinic:consultation-summary", args=[dutch.pk]),
    }
    check_role(page, "clinician", paths)
    check(page, paths["clinic:sign-in-letter"], "en-gb")
    expect(page.locator("article.letter")).to_have_attribute("lang", "nl")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_dashboard_is_in_the_managers_language(browser_as, world):
    team = world["team"].pk
    page = browser_as()
    sign_in(page, "manager", PASSWORD)
    paths = {
        "account": reverse("account"),
        "api_tokens": reverse("api_tokens"),
        "dashboards:index": reverse("dashboards:index"),
        "dashboards:comparison": reverse("dashboards:comparison"),
    } | {
        f"dashboards:{name}": reverse(f"dashboards:{name}", args=[team])
        for name in (
            "team_overview",
            "team_trends",
            "team_what_matters",
            "team_context",
            "team_instruments",
            "team_caseloads",
        )
    }
    check_role(page, "manager", paths)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_two_step_pages_are_in_the_users_language(browser_as, world):
    user = world["two_step"]
    page = browser_as()
    sign_in(page, user.username, PASSWORD)
    assert check(page, reverse("two_step_verify"), "nl") == reverse("two_step_verify")
    assert check(page, reverse("two_step_recovery"), "nl") == reverse("two_step_recovery")
    page.goto(reverse("two_step_verify"))
    page.locator("input[name=code]").fill(code_now(user.totpdevice_set.get()))
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/two-step/code/" not in url)
    page.wait_for_load_state()
    for name in ("two_step", "two_step_recovery_codes", "account"):
        check(page, reverse(name), "nl")


@pytest.mark.parametrize("role", ["visitor", "dutch visitor"])
@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_pages_before_sign_in_are_in_the_browsers_or_the_invitations_language(
    browser_as, world, role
):
    page = browser_as("en-GB" if role == "visitor" else "nl-NL")
    paths = {
        "login": reverse("login"),
        "password_reset": reverse("password_reset"),
        "password_reset_done": reverse("password_reset_done"),
        "password_reset_confirm": reverse(
            "password_reset_confirm", args=["MQ", "not-a-real-token"]
        ),
        "password_reset_complete": reverse("password_reset_complete"),
    }
    if role == "visitor":
        # An invitation made without a language: its welcome page follows the browser's.
        _invitation, token = invitation_create(patient=world["newcomer"], created_by=None)
        paths["portal:welcome"] = urlsplit(invitation_link(token)).path
    check_role(page, role, paths)
    # The language switch names each language in its own words, and marks each as such.
    page.goto(reverse("login"))
    expect(page.locator(".language-switch button[value=nl]")).to_have_attribute("lang", "nl")

    if role == "dutch visitor":
        # A Dutch browser opens a Flemish invitation: the link's language wins.
        _invitation, token = invitation_create(
            patient=world["newcomer"], created_by=None, language="nl-be"
        )
        link = urlsplit(invitation_link(token, "nl-be"))
        assert check(page, f"{link.path}?{link.query}", "nl-be") == reverse(
            "portal:welcome", args=["set-password"]
        )
