"""The idle timeout: a signed-in session is saved again at most once a minute, so a page view is not
a database write, and a session left alone expires; one in use does not."""

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ssm_outcomes import session_refresh

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    """The refresh's clock, moved by hand."""
    moment = {"now": 1_800_000_000}
    monkeypatch.setattr(session_refresh, "now", lambda: moment["now"])
    return moment


def _session_writes(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if "django_session" in q["sql"]
        and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    ]


def test_a_page_within_a_minute_of_the_last_save_writes_nothing_to_the_session(
    client, clinician, patient, clock
):
    client.force_login(clinician)
    client.get("/clinic/")  # stamps the session
    clock["now"] += 59
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/clinic/patients/{patient.pk}/")
    assert response.status_code == 200
    assert _session_writes(queries.captured_queries) == []
    assert "sessionid" not in response.cookies  # nothing new to send either


def test_a_page_a_minute_or_more_after_the_last_save_moves_the_expiry_on(
    client, clinician, patient, clock, settings
):
    client.force_login(clinician)
    client.get("/clinic/")
    key = client.session.session_key
    before = Session.objects.get(session_key=key).expire_date
    clock["now"] += settings.SESSION_REFRESH_SECONDS
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/clinic/patients/{patient.pk}/")
    assert len(_session_writes(queries.captured_queries)) == 1
    assert response.cookies["sessionid"]["max-age"] == settings.SESSION_COOKIE_AGE
    assert Session.objects.get(session_key=key).expire_date > before
    assert client.session[session_refresh.REFRESHED_AT] == clock["now"]


def test_a_session_left_alone_past_the_idle_timeout_is_signed_out(client, clinician):
    client.force_login(clinician)
    client.get("/clinic/")
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(expire_date="2000-01-01T00:00:00Z")
    response = client.get("/clinic/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/clinic/"
    # The expired session's cookie did not make a new session for a visitor not signed in.
    assert not Session.objects.exclude(session_key=key).exists()


def test_a_visitor_who_has_not_signed_in_gets_no_session(client):
    client.get("/accounts/login/")
    assert Session.objects.count() == 0
