"""Every kind of page loads in Chromium under the Content-Security-Policy without a violation."""

import datetime as dt

import pytest

from assessments.services import rating_record
from indicators.services import summaries_rebuild_all
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.support.two_step import authenticator_for, code_now, set_up_approved

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def violations_on(page, paths: list[str]) -> dict[str, list[str]]:
    """The policy violations the console reports on each page, by the page open when each was
    reported: one arriving late is put to the next page rather than lost, and the listener is
    removed afterwards (a second call would otherwise count each message twice)."""
    found: dict[str, list[str]] = {path: [] for path in paths}
    current = [paths[0]]

    def note(message) -> None:
        if "Content Security Policy" in message.text:
            found[current[0]].append(message.text)

    page.on("console", note)
    try:
        for path in paths:
            current[0] = path
            response = page.goto(path)
            assert response.status < 400, path
            page.wait_for_load_state("networkidle")
    finally:
        page.remove_listener("console", note)
    return found


def test_clinician_pages_and_api_docs_break_no_policy(page, clinician, patient):
    rating_record(
        patient=patient, element="H1", value=6, rated_on=dt.date(2026, 2, 1), rater="patient"
    )
    summaries_rebuild_all()
    sign_in(page, "nurse", PASSWORD)
    paths = [
        "/",
        "/clinic/",
        f"/clinic/patients/{patient.pk}/",
        f"/clinic/patients/{patient.pk}/encounters/new/",
        f"/clinic/patients/{patient.pk}/records/",
        "/dashboards/my-caseload/",
        "/accounts/api-tokens/",
        "/api/v1/docs/",
    ]
    assert violations_on(page, paths) == {p: [] for p in paths}


def test_manager_and_administrator_pages_break_no_policy(page, manager, team, patient, admin_user):
    rating_record(
        patient=patient, element="H1", value=6, rated_on=dt.date(2026, 2, 1), rater="patient"
    )
    summaries_rebuild_all()
    set_up_approved(manager)  # so that the set-up page draws its QR code
    sign_in(page, "manager", PASSWORD)
    paths = [
        "/dashboards/",
        f"/dashboards/teams/{team.pk}/",
        f"/dashboards/teams/{team.pk}/trends/",
        "/accounts/two-step/",  # the set-up page draws its QR code as inline SVG
    ]
    assert violations_on(page, paths) == {p: [] for p in paths}
    page.context.clear_cookies()
    device = authenticator_for(admin_user)
    sign_in(page, "admin", PASSWORD)
    page.get_by_label("6-digit code").fill(code_now(device))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    admin_paths = ["/admin/", "/admin/patients/patient/", "/admin/assessments/element/"]
    assert violations_on(page, admin_paths) == {p: [] for p in admin_paths}
