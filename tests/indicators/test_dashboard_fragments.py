"""The rendered figures a dashboard keeps between views are never out of date: new figures, a
renamed domain and another language each show at once."""

import re

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.functional import empty

from assessments.models import Domain
from indicators.dashboard import format_index
from indicators.patient_summaries import summaries_rebuild_all
from indicators.selectors import (
    dashboard_team_for_user,
    team_stored_figures,
    team_stored_quarters,
)
from patients.models import Membership
from patients.selectors import team_role_for_user
from tests.indicators.test_dashboard_pages import EARLIER, LATER, cohort, stored, url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_fragments():
    caches["fragments"].clear()
    yield
    caches["fragments"].clear()


def latest_index(page: str) -> str:
    """The index of the latest quarter in the trends page's first table."""
    found = re.search(r'<th scope="row">2025Q4</th><td class="num">([^<]+)</td>', page)
    assert found, "no row for 2025Q4"
    return found[1]


def five_patients_seen_by(client, user, team, clinician) -> None:
    """Five patients of the team with their summaries built, and ``user`` signed in."""
    cohort(team, clinician, [2, 4, 6, 8, 10])
    summaries_rebuild_all()
    client.force_login(user)


def median_shown(page: str) -> str:
    return page.split('<p class="figure-value">', 1)[1].split("</p>", 1)[0]


def test_the_overview_shows_new_figures_as_soon_as_they_are_stored(
    client, team, clinician, manager
):
    five_patients_seen_by(client, manager, team, clinician)
    client.get(url("team_overview", team))
    before = stored(team)["index"]["median"]

    cohort(team, clinician, [10, 10, 10, 10, 10])
    summaries_rebuild_all()
    after = stored(team)["index"]["median"]
    page = client.get(url("team_overview", team)).content.decode()

    assert after != before
    assert format_index(after) in median_shown(page)
    assert format_index(before) not in median_shown(page)
    assert "<dt>Patients counted</dt><dd>10</dd>" in page


def test_a_second_view_reuses_the_rendered_figures_with_the_same_queries(
    client, team, clinician, manager
):
    five_patients_seen_by(client, manager, team, clinician)
    client.get(url("team_overview", team))
    assert len(caches["fragments"]._cache) == 1  # type: ignore[attr-defined]

    with CaptureQueriesContext(connection) as first:
        client.get(url("team_overview", team))
    caches["fragments"].clear()
    with CaptureQueriesContext(connection) as rendered:
        client.get(url("team_overview", team))

    assert len(first) == len(rendered)


def test_a_renamed_domain_shows_its_new_name_at_once(client, team, clinician, manager):
    five_patients_seen_by(client, manager, team, clinician)
    client.get(url("team_overview", team))

    Domain.objects.filter(code="H").update(name="Health and how I feel about it")
    page = client.get(url("team_overview", team)).content.decode()

    assert '<th scope="row">Health and how I feel about it</th>' in page


def test_each_language_gets_its_own_figures(client, team, clinician, manager):
    five_patients_seen_by(client, manager, team, clinician)
    english = client.get(url("team_overview", team)).content.decode()

    manager.language = "nl"
    manager.save(update_fields=["language"])
    dutch = client.get(url("team_overview", team)).content.decode()

    assert "How things are going for patients, by what matters to them" in english
    assert "Hoe het met patiënten gaat, naar wat voor hen belangrijk is" in dutch
    assert "How things are going for patients" not in dutch


def test_my_caseload_shows_new_figures_as_soon_as_they_are_stored(client, team, clinician):
    five_patients_seen_by(client, clinician, team, clinician)
    client.get("/dashboards/my-caseload/")
    cohort(team, clinician, [10, 10, 10, 10, 10])
    summaries_rebuild_all()

    response = client.get("/dashboards/my-caseload/")

    assert response.context["period"] == LATER
    assert "<dt>Patients counted</dt><dd>10</dd>" in response.content.decode()


def test_the_role_on_a_team_is_read_in_one_query_and_none_elsewhere(
    team, other_team, manager, django_assert_num_queries
):
    with django_assert_num_queries(1):
        assert dashboard_team_for_user(user=manager, team_id=team.pk) == (team, "manager")
    assert team_role_for_user(user=manager, team_id=team.pk, roles=["clinician"]) == (None, None)
    assert team_role_for_user(
        user=manager, team_id=other_team.pk, roles=Membership.Role.values
    ) == (None, None)


def test_the_trends_show_new_figures_as_soon_as_they_are_stored(client, team, clinician, manager):
    cohort(team, clinician, [8, 8, 8, 8, 8])
    summaries_rebuild_all()
    client.force_login(manager)
    first = client.get(url("team_trends", team)).content.decode()
    kept = client.get(url("team_trends", team))
    assert kept.context["trends"]._wrapped is empty  # the kept block: the charts not drawn again

    cohort(team, clinician, [2, 2, 2, 2, 2, 2, 2])
    summaries_rebuild_all()
    page = client.get(url("team_trends", team)).content.decode()

    assert latest_index(first) == "80"
    assert latest_index(page) == format_index(stored(team)["index"]["median"]) == "20"


def test_my_caseloads_trends_show_new_figures_as_soon_as_they_are_stored(client, team, clinician):
    five_patients_seen_by(client, clinician, team, clinician)  # indexes 20 to 100: median 60
    first = client.get(url("my_caseload")).content.decode()
    kept = client.get(url("my_caseload"))
    assert kept.context["trends"]._wrapped is empty  # the kept block: the charts not drawn again
    assert latest_index(kept.content.decode()) == "60"

    cohort(team, clinician, [2, 2, 2, 2, 2, 2, 2])
    summaries_rebuild_all()
    page = client.get(url("my_caseload")).content.decode()

    assert latest_index(first) == "60"
    assert latest_index(page) == "20"


def test_a_page_about_one_quarter_reads_the_figures_of_that_quarter_only(team, clinician):
    cohort(team, clinician, [9, 9, 9, 9, 9])
    summaries_rebuild_all()
    every = team_stored_figures(team=team)

    latest = team_stored_quarters(team=team, shown=None)
    earlier = team_stored_quarters(team=team, shown=EARLIER)
    not_stored = team_stored_quarters(team=team, shown="2019Q1")

    assert list(every)[-2:] == [EARLIER, LATER]
    for quarters in (latest, earlier, not_stored):
        assert list(quarters) == list(every)
        assert [(s.pk, s.patients, s.stale, s.computed_at) for s in quarters.values()] == [
            (s.pk, s.patients, s.stale, s.computed_at) for s in every.values()
        ]
    assert latest[LATER].figures == every[LATER].figures
    assert latest[LATER].figures["index"]["median"] == 90.0
    assert latest[EARLIER].figures is None
    assert earlier[EARLIER].figures == every[EARLIER].figures
    assert earlier[LATER].figures is None
    assert all(s.figures is None for s in not_stored.values())
