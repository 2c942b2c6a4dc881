"""Service dashboards and My caseload: who may see them, and that they show the stored figures."""

import datetime as dt
import itertools
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.services import personal_item_create, priorities_set, rating_record
from indicators.dashboard import format_index, format_share
from indicators.figures import Allocation, SummaryRow, context_figures, priority_figures
from indicators.models import CaseloadSummary, TeamSummary
from indicators.patient_summaries import summaries_rebuild_all
from patients.models import Membership, User
from patients.services import context_event_record, encounter_record
from tests.factories import MembershipFactory, PatientFactory, UserFactory

pytestmark = pytest.mark.django_db

BEFORE, AFTER = dt.date(2025, 8, 12), dt.date(2025, 11, 12)
EARLIER, LATER = "2025Q3", "2025Q4"
SMALL = "fewer than 5"


def someone(
    team,
    clinician,
    *,
    before: int | None = 5,
    after: int = 5,
    item: str = "",
    context: str = "",
    initiated: str = "service",
    own_priorities: bool = False,
    name: str = "",
):
    """A patient of the team with ratings a quarter apart, an encounter, and what else is asked."""
    person = PatientFactory(teams=[team], **({"display_name": name} if name else {}))
    for key in ("H1", "M1", "R1"):
        if before is not None:
            rating_record(
                patient=person, element=key, value=before, rated_on=BEFORE, rater="patient"
            )
        rating_record(patient=person, element=key, value=after, rated_on=AFTER, rater="patient")
    encounter_record(
        patient=person,
        clinician=clinician,
        occurred_at=dt.datetime(2025, 11, 12, 10, tzinfo=dt.UTC),
        mode="phone",
        initiated_by=initiated,
        duration_minutes=10,
        note=f"Staff-only note about {person.display_name}",
    )
    if own_priorities or item:
        points = {"H1": 4, "M1": 3, "R1": 3}
        if item:
            points[personal_item_create(patient=person, label=item, domain="H").key] = 2
        priorities_set(patient=person, effective_from=BEFORE, points=points)
    if context:
        context_event_record(
            patient=person, kind=context, occurred_on=AFTER, note="Private: moved in with her son"
        )
    return person


def cohort(team, clinician, afters, **options):
    return [someone(team, clinician, after=after, **options) for after in afters]


def url(name: str, team=None, **query) -> str:
    path = reverse(f"dashboards:{name}", args=[team.pk] if team is not None else [])
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def stored(team, period=LATER) -> dict:
    return TeamSummary.objects.get(team=team, period=period).figures


TEAM_PAGES = [
    "team_overview",
    "team_trends",
    "team_what_matters",
    "team_context",
    "team_instruments",
]


# --- The aggregates stored for these pages ---------------------------------------------------


def allocation(points: dict[str, int], labels: dict[str, str] | None = None) -> Allocation:
    domains = {k: "H" if k.startswith("P") else k[0] for k in points}
    return Allocation(points=points, domains=domains, labels=labels or {})


def test_priorities_on_an_element_fewer_than_five_weight_are_hidden():
    people = [allocation({"H1": 6, "R3": 4}) for _ in range(5)]
    people += [allocation({"H1": 5, "M2": 5}) for _ in range(4)]

    stored = priority_figures(people)["priorities"]

    assert stored["patients"] == 9
    assert stored["elements"]["H1"] == {"patients": 9, "mean_share": pytest.approx(5 / 9)}
    assert stored["elements"]["R3"] == {"patients": 5, "mean_share": pytest.approx(2 / 9)}
    assert stored["elements"]["M2"] == {"patients": None, "mean_share": None}
    assert stored["domains"]["M"] == {"patients": None, "mean_share": None}
    assert priority_figures(people[:4]) == {"priorities": None}


def test_personal_items_are_named_only_when_five_patients_share_the_words():
    people = [allocation({"H1": 1, f"P{n}": 1}, {f"P{n}": "Walking the dog"}) for n in range(5)]
    people += [allocation({"H1": 1, "P9": 1}, {"P9": "My late husband's garden"})]

    stored = priority_figures(people)["priorities"]

    assert stored["common_items"] == [{"label": "Walking the dog", "domain": "H", "patients": 5}]
    assert stored["other_items"] == 1
    assert "garden" not in str(stored)


def row(direction: str = "", kinds: tuple[str, ...] = ()) -> SummaryRow:
    return SummaryRow(
        index=50,
        coverage=1,
        domain_scores={},
        direction=direction,
        own_priorities=False,
        goal_attainment=None,
        markers_with_reading=0,
        markers_in_target=0,
        patient_initiated=0,
        attribution_caveat=bool(kinds),
        context_kinds=kinds,
    )


def test_declines_are_split_by_context_with_small_parts_hidden_together():
    rows = [row("declined", ("admission",))] * 6 + [row("declined")] * 3 + [row("stable")] * 10

    shown = context_figures(rows, kinds=["admission", "bereavement"], declined=9)

    assert shown["declined_context"] == {"with_context": None, "without_context": None}
    assert shown["context_kinds"] == {"admission": 6, "bereavement": 0}
    assert shown["context_patients"] == 6
    assert context_figures(rows, kinds=["admission"], declined=None)["declined_context"] == {
        "with_context": None,
        "without_context": None,
    }


def test_a_small_kind_of_context_event_is_hidden_with_the_next_smallest():
    rows = [row(kinds=("admission",))] * 7 + [row(kinds=("bereavement",))] * 2 + [row()] * 5

    shown = context_figures(rows, kinds=["admission", "bereavement", "new_job"], declined=0)

    assert shown["context_kinds"] == {"admission": None, "bereavement": None, "new_job": 0}
    assert shown["context_patients"] == 9


# --- Who may see what ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", [*TEAM_PAGES, "team_caseloads", "team_export"])
def test_an_anonymous_visitor_is_sent_to_sign_in(client, team, name):
    response = client.get(url(name, team))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_anonymous_visitor_is_sent_to_sign_in_from_the_index_and_my_caseload(client):
    for path in (url("index"), url("my_caseload")):
        assert client.get(path)["Location"].startswith(reverse("login"))


def test_a_patient_is_refused_the_dashboards_and_never_learns_a_team_exists(client, patient, team):
    client.force_login(patient.user)

    assert client.get(url("index")).status_code == 403
    assert client.get(url("my_caseload")).status_code == 403
    for name in [*TEAM_PAGES, "team_caseloads", "team_export"]:
        assert client.get(url(name, team)).status_code == 404


def test_a_clinician_of_another_team_gets_404_for_the_team(client, team, other_clinician):
    client.force_login(other_clinician)

    for name in [*TEAM_PAGES, "team_caseloads", "team_export"]:
        assert client.get(url(name, team)).status_code == 404


def test_a_manager_of_another_team_gets_404_for_the_team(client, team, other_team):
    outsider = UserFactory(role=User.Role.MANAGER)
    MembershipFactory(user=outsider, team=other_team, role=Membership.Role.MANAGER)
    client.force_login(outsider)

    assert client.get(url("team_overview", team)).status_code == 404
    assert client.get(url("team_overview", other_team)).status_code == 200


def test_a_clinician_sees_the_teams_dashboards_but_not_colleagues_caseloads(
    client, team, clinician
):
    cohort(team, clinician, [5, 6, 7, 8, 9])
    summaries_rebuild_all()
    client.force_login(clinician)

    for name in [*TEAM_PAGES, "team_export"]:
        assert client.get(url(name, team)).status_code == 200, name
    assert client.get(url("team_caseloads", team)).status_code == 403
    assert client.get(url("my_caseload")).status_code == 200


def test_a_manager_sees_every_page_of_the_team_but_not_my_caseload(
    client, team, clinician, manager
):
    cohort(team, clinician, [5, 6, 7, 8, 9])
    summaries_rebuild_all()
    client.force_login(manager)

    for name in [*TEAM_PAGES, "team_caseloads", "team_export"]:
        assert client.get(url(name, team)).status_code == 200, name
    assert client.get(url("my_caseload")).status_code == 403


def test_the_index_lists_the_users_teams_only(client, manager, team, other_team):
    client.force_login(manager)

    response = client.get(url("index"))

    assert [t.name for t in response.context["teams"]] == [team.name]
    assert other_team.name not in response.content.decode()


def test_the_account_page_links_a_manager_to_the_dashboards(client, manager, team):
    client.force_login(manager)

    page = client.get(reverse("account")).content.decode()

    assert url("index") in page
    assert url("team_overview", team) in page


# --- The numbers shown are the stored ones ------------------------------------------------------


def test_the_overview_shows_the_stored_team_summary(client, team, clinician, manager):
    cohort(team, clinician, [2, 4, 6, 8, 10, 7], initiated="patient")
    summaries_rebuild_all()
    client.force_login(manager)

    response = client.get(url("team_overview", team))

    figures = stored(team)
    f = response.context["figures"]
    page = response.content.decode()
    assert response.context["period"] == LATER
    assert f["index"].value == figures["index"]["median"]
    assert (f["index"].q1, f["index"].q3) == (figures["index"]["q1"], figures["index"]["q3"])
    assert format_index(figures["index"]["median"]) in page
    assert f"Middle half of patients: {format_index(figures['index']['q1'])} to " in page
    assert f["coverage"].value == figures["coverage"]["median"]
    assert "<dt>Patients counted</dt><dd>6</dd>" in page
    assert [d.value for d in f["domains"]] == [figures["domains"][c]["median"] for c in "HMR"]
    assert f["patient_initiated"].value == figures["patient_initiated_share"] == 1.0
    assert format_share(1.0) in page


def test_the_headline_is_the_index_and_markers_are_not_the_first_figure(
    client, team, clinician, manager
):
    cohort(team, clinician, [5, 6, 7, 8, 9])
    summaries_rebuild_all()
    client.force_login(manager)

    page = client.get(url("team_overview", team)).content.decode()

    labels = re.findall(r'<h3 class="figure-label">([^<]+)</h3>', page)
    assert labels[0] == "Patient-weighted index"
    assert labels.index("Markers within personal targets") > labels.index("Coverage")
    assert "figure-headline" in page.split("Patient-weighted index")[0]


def test_a_team_of_fewer_than_five_shows_fewer_than_5_and_no_figure(
    client, team, clinician, manager
):
    people = cohort(team, clinician, [3, 4, 6, 9])
    summaries_rebuild_all()
    client.force_login(manager)

    response = client.get(url("team_overview", team))

    f = response.context["figures"]
    page = response.content.decode()
    assert f["index"].text == f["patients"].text == SMALL
    assert f["index"].suppressed
    assert "<dt>Patients counted</dt><dd>fewer than 5</dd>" in page
    values = re.findall(r'<p class="figure-value">(?:<span[^>]*>[^<]*</span>)?([^<]*)</p>', page)
    assert values
    assert not [v for v in values if re.fullmatch(r"[\d.,%]+", v.strip())]
    assert not any(p.display_name in page for p in people)


def test_a_single_small_count_is_hidden_with_the_next_smallest(client, team, clinician, manager):
    cohort(team, clinician, [9] * 5)  # improved: 5 → 9
    cohort(team, clinician, [5] * 4)  # stable
    summaries_rebuild_all()
    client.force_login(manager)

    f = client.get(url("team_overview", team)).context["figures"]

    improved, steady, declined = f["directions"]
    # the 4 is fewer than 5; the 5 is hidden only so that the 4 cannot be worked out from it
    assert (improved.text, steady.text, declined.text) == ("hidden", SMALL, "0")
    assert stored(team)["improved"] is None


def test_a_share_resting_on_a_few_patients_is_hidden_in_a_large_team(
    client, team, clinician, manager
):
    cohort(team, clinician, [5] * 8)
    cohort(team, clinician, [5] * 2, context="admission")
    cohort(team, clinician, [5] * 3, own_priorities=True)
    summaries_rebuild_all()
    client.force_login(manager)

    page = client.get(url("team_overview", team)).content.decode()

    # Withheld where it is stored, so the API cannot give away the 2 either.
    assert stored(team)["context_share"] is None
    assert "context_share" in stored(team)["suppressed_fields"]
    assert "<dt>Patients with context events</dt><dd>fewer than 5</dd>" in page
    assert "<dt>Set their own priorities</dt><dd>fewer than 5</dd>" in page
    assert format_share(2 / 13) not in page


def test_the_quarter_picker_defaults_to_the_latest_and_switches_quarter(
    client, team, clinician, manager
):
    cohort(team, clinician, [9, 9, 9, 9, 9])
    summaries_rebuild_all()
    client.force_login(manager)

    latest = client.get(url("team_overview", team))
    earlier = client.get(url("team_overview", team, period=EARLIER))

    assert latest.context["period"] == LATER
    assert '<option value="2025Q4" selected>' in latest.content.decode()
    assert '<select id="period" name="period">' in latest.content.decode()
    assert earlier.context["period"] == EARLIER
    assert (
        earlier.context["figures"]["index"].value
        == stored(team, EARLIER)["index"]["median"]
        == 50.0
    )
    assert latest.context["figures"]["index"].value == 90.0


@pytest.mark.parametrize("asked", ["2019Q1", "2025Q9", "latest", "'; drop table"])
def test_a_quarter_without_a_summary_is_not_found(client, team, clinician, manager, asked):
    cohort(team, clinician, [5, 6, 7, 8, 9])
    summaries_rebuild_all()
    client.force_login(manager)

    assert client.get(url("team_overview", team), {"period": asked}).status_code == 404


def test_a_team_without_summaries_says_so(client, team, manager):
    client.force_login(manager)

    for name in TEAM_PAGES:
        response = client.get(url(name, team))
        assert response.status_code == 200
        assert "No summaries yet" in response.content.decode()
    assert client.get(url("team_export", team)).status_code == 404


def test_trends_show_eight_quarters_as_charts_with_tables(client, team, clinician, manager):
    cohort(team, clinician, [8, 8, 8, 8, 8, 8])
    summaries_rebuild_all()
    client.force_login(manager)

    response = client.get(url("team_trends", team))

    page = response.content.decode()
    trends = response.context["trends"]
    index = trends[0]
    assert response.context["quarters"] == [
        "2024Q1", "2024Q2", "2024Q3", "2024Q4", "2025Q1", "2025Q2", "2025Q3", "2025Q4",
    ]  # fmt: skip
    assert index.title == "Patient-weighted index"
    assert [row[0] for row in index.rows][-2:] == [EARLIER, LATER]
    assert index.rows[-1][1] == format_index(stored(team)["index"]["median"]) == "80"
    assert index.rows[-2][1] == "50"
    assert index.rows[0][1] == "no summary"
    assert page.count('role="img"') == len(trends)
    assert page.count("<table>") == len(trends)
    assert "style=" not in page
    assert "<script" not in page
    coverage = next(t for t in trends if t.chart_id == "trend-coverage")
    assert coverage.rows[-1][1] == format_share(stored(team)["coverage"]["median"])


def test_what_matters_names_personal_items_only_when_five_share_them(
    client, team, clinician, manager
):
    for label in ("Walking the dog", "walking the dog.", "Walking  the dog", "WALKING THE DOG"):
        someone(team, clinician, item=label)
    someone(team, clinician, item="Walking the dog")
    for _ in range(4):
        someone(team, clinician, item="Singing in the choir")
    someone(team, clinician, item="Visiting Aunt Mabel in Leeds")
    summaries_rebuild_all()
    client.force_login(manager)

    response = client.get(url("team_what_matters", team))

    page = response.content.decode()
    shown = response.context["priorities"]
    assert [(i["label"], i["patients"]) for i in shown["common_items"]] == [("Walking the dog", 5)]
    assert "Singing in the choir" not in page
    assert "Aunt Mabel" not in page
    assert shown["other_items"] == 2
    assert shown["patients"] == stored(team)["priorities"]["patients"] == 10
    h1 = next(line for line in shown["elements"] if line.key == "H1")
    assert h1.patients == 10
    assert h1.mean_share == pytest.approx(4 / 12)
    assert "33%" in page
    assert page.count('role="img"') == 2


def test_what_matters_is_hidden_when_fewer_than_five_set_priorities(
    client, team, clinician, manager
):
    cohort(team, clinician, [5] * 6)
    cohort(team, clinician, [5] * 4, own_priorities=True)
    summaries_rebuild_all()
    client.force_login(manager)

    response = client.get(url("team_what_matters", team))

    assert response.context["priorities"] is None
    assert "Fewer than 5 patients set their own priorities" in response.content.decode()


def test_the_context_page_puts_context_events_beside_the_declines(client, team, clinician, manager):
    cohort(team, clinician, [1] * 5, context="admission")  # declined from 5 to 1, with context
    cohort(team, clinician, [1] * 5)  # declined without
    cohort(team, clinician, [5] * 6)
    summaries_rebuild_all()
    client.force_login(manager)

    response = client.get(url("team_context", team))

    page = response.content.decode()
    detail = response.context["figures"]["context_detail"]
    kinds = {k.spec.key: k.text for k in detail["kinds"]}
    assert kinds["context_kinds.admission"] == "5"
    assert kinds["context_kinds.bereavement"] == "0"
    assert detail["declined_with_context"].text == detail["declined_without_context"].text == "5"
    assert response.context["figures"]["declined"].text == "10"
    assert response.context["figures"]["context"].value == stored(team)["context_share"] == 5 / 16
    assert "Private: moved in" not in page
    assert response.context["trend"].rows[-1][1:] == [format_share(5 / 16), format_share(10 / 16)]
    # The quarter before, from its own stored figures (the page reads every quarter's).
    earlier = stored(team, EARLIER)
    assert response.context["trend"].rows[-2] == [
        EARLIER,
        format_share(earlier["context_share"]),
        "no earlier quarter",
    ]


def test_no_patient_identifier_reaches_any_dashboard_page(client, team, clinician, manager):
    people = [
        someone(team, clinician, after=v, name=f"Zed Quentin{v}", item="Visiting Aunt Mabel")
        for v in (4, 5, 6, 7, 8, 9)
    ]
    summaries_rebuild_all()
    client.force_login(manager)

    for name in [*TEAM_PAGES, "team_caseloads"]:
        page = client.get(url(name, team)).content.decode()
        assert "Quentin" not in page, name
        assert "Staff-only note" not in page, name
        assert "/clinic/patients/" not in page, name
        assert "/api/v1/patients/" not in page, name
        for person in people:
            assert f"patients/{person.pk}/" not in page


def test_no_page_skips_a_heading_level_and_each_table_region_has_its_own_name(
    client, team, clinician, manager
):
    cohort(team, clinician, [4, 5, 6, 7, 8, 9])
    summaries_rebuild_all()
    client.force_login(manager)

    for name in [*TEAM_PAGES, "team_caseloads"]:
        page = client.get(url(name, team)).content.decode()
        levels = [int(level) for level in re.findall(r"<h([1-6])[ >]", page)]
        assert levels[0] == 1, name
        for before, after in itertools.pairwise(levels):
            assert after <= before + 1, (name, levels)
        regions = re.findall(r'role="region" aria-label="([^"]*)"', page)
        assert len(regions) == len(set(regions)), (name, regions)
        assert all(regions), name
    trends = client.get(url("team_trends", team)).content.decode()
    assert 'aria-label="Patient-weighted index, quarter by quarter"' in trends


# --- Caseloads ---------------------------------------------------------------------------------


def colleague(team, first: str, last: str) -> User:
    user = UserFactory(first_name=first, last_name=last, role=User.Role.CLINICIAN)
    MembershipFactory(user=user, team=team, role=Membership.Role.CLINICIAN)
    return user


def test_caseloads_are_listed_alphabetically_whatever_their_figures(client, team, manager):
    for first, last, value in (("Zoe", "Adams", 9), ("Amir", "Zahid", 2), ("Mia", "Moss", 5)):
        cohort(team, colleague(team, first, last), [value] * 5)
    summaries_rebuild_all()
    client.force_login(manager)

    response = client.get(url("team_caseloads", team))

    page = response.content.decode()
    names = [str(c) for c, _, _ in response.context["caseloads"]]
    assert names == ["Amir Zahid", "Mia Moss", "Zoe Adams"]
    assert page.index("Amir Zahid") < page.index("Mia Moss") < page.index("Zoe Adams")
    medians = [f["index"].text for _, f, _ in response.context["caseloads"]]
    assert medians == ["20", "50", "90"]
    body = page.split('<table class="caseloads">')[1].split("</table>")[0]
    assert set(re.findall(r"<t[rd][^>]*>", body.split("<tbody>")[1])) == {
        '<tr class="caseload">',
        '<td class="num">',
    }


def test_a_small_caseload_shows_fewer_than_5(client, team, manager):
    nia = colleague(team, "Nia", "Small")
    cohort(team, nia, [5, 6, 7])
    summaries_rebuild_all()
    client.force_login(manager)

    [(_, figures, summary)] = client.get(url("team_caseloads", team)).context["caseloads"]

    assert summary.figures["index"] is None
    assert figures["patients"].text == figures["index"].text == SMALL


def test_my_caseload_shows_my_own_stored_summary_and_no_colleague(client, team, clinician):
    cohort(team, clinician, [6, 7, 8, 9, 10])
    rival = colleague(team, "Rita", "Rival")
    cohort(team, rival, [1, 1, 2, 2, 3])
    summaries_rebuild_all()
    client.force_login(clinician)

    response = client.get(url("my_caseload"))

    page = response.content.decode()
    mine = CaseloadSummary.objects.get(clinician=clinician, period=LATER).figures
    theirs = CaseloadSummary.objects.get(clinician=rival, period=LATER).figures
    assert response.context["figures"]["index"].value == mine["index"]["median"] == 80.0
    headline = '<p class="figure-value"><span class="visually-hidden">Median </span>{}</p>'
    assert headline.format(format_index(mine["index"]["median"])) in page
    assert headline.format(format_index(theirs["index"]["median"])) not in page
    assert "Rita" not in page
    assert "Rival" not in page
    assert "Attribution:" in page
    assert "Coverage:" in page
    assert response.context["trends"][0].rows[-1][1] == "80"


def test_my_caseload_picker_switches_quarter(client, team, clinician):
    cohort(team, clinician, [6, 7, 8, 9, 10])
    summaries_rebuild_all()
    client.force_login(clinician)

    response = client.get(url("my_caseload"), {"period": EARLIER})

    # the encounters were in 2025Q4: in 2025Q3 the caseload was still empty
    assert response.context["period"] == EARLIER
    assert response.context["figures"]["patients"].text == SMALL
    assert response.context["summary"].figures["patients"] is None
    assert client.get(url("my_caseload"), {"period": "2019Q1"}).status_code == 404


# --- Pages read stored summaries: the query count does not grow with the team ---------------

PAGES = [*TEAM_PAGES, "team_caseloads", "team_export", "my_caseload"]
MOST_QUERIES = 10


def test_every_page_makes_as_many_queries_for_50_patients_as_for_5(
    client, team, clinician, manager, django_assert_max_num_queries
):
    def queries_per_page() -> dict[str, int]:
        counts = {}
        for name in PAGES:
            client.force_login(clinician if name == "my_caseload" else manager)
            with (
                django_assert_max_num_queries(MOST_QUERIES),
                CaptureQueriesContext(connection) as captured,
            ):
                response = client.get(url(name, None if name == "my_caseload" else team))
            assert response.status_code == 200, name
            counts[name] = len(captured)
        return counts

    cohort(team, clinician, [5, 6, 7, 8, 9])
    summaries_rebuild_all()
    five = queries_per_page()
    cohort(team, clinician, [n % 11 for n in range(45)], item="Walking the dog", context="other")
    summaries_rebuild_all()
    fifty = queries_per_page()

    assert TeamSummary.objects.get(team=team, period=LATER).patients == 50
    assert fifty == five, five
