"""The README's curl walk-through, step by step, so its numbers stay true."""

import pytest

pytestmark = pytest.mark.django_db


def test_readme_walkthrough_gives_the_summary_it_shows(
    as_clinician, team, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        patient = as_clinician.post(
            "/api/v1/patients/",
            {"display_name": "Ada L.", "birth_year": 1951, "teams": [team.pk]},
            format="json",
        ).json()
        base = f"/api/v1/patients/{patient['id']}/"
        item = as_clinician.post(
            f"{base}items/", {"label": "Singing in the choir", "domain": "H"}, format="json"
        ).json()
        assert item["key"] == f"P{item['id']}"
        as_clinician.post(
            f"{base}priorities/",
            {"effective_from": "2026-10-01", "points": {item["key"]: 40, "H2": 30, "M2": 30}},
            format="json",
        )
        for element, value, rater in (
            (item["key"], 8, "proxy"),
            ("H2", 5, "proxy"),
            ("H2", 4, "clinician"),
        ):
            response = as_clinician.post(
                f"{base}ratings/",
                {"element": element, "value": value, "rated_on": "2026-10-05", "rater": rater},
                format="json",
            )
            assert response.status_code == 201, response.json()

    summary = as_clinician.get(f"{base}summaries/2026Q4/").json()

    assert summary["index"] == pytest.approx(10 * (40 * 8 + 30 * 5) / 70)
    assert summary["coverage"] == pytest.approx(0.7)
    assert summary["weights_source"] == "patient"
    assert summary["domains"]["H"] == {
        "score": pytest.approx(67.142857),
        "weight": pytest.approx(0.7),
    }
    assert summary["domains"]["M"] == {"score": None, "weight": pytest.approx(0.3)}
    assert summary["perspective_gap"] == pytest.approx(1.0)
    assert summary["stale"] is False

    bad = as_clinician.post(
        f"{base}ratings/",
        {"element": "H1", "value": 12, "rated_on": "2026-10-05", "rater": "proxy"},
        format="json",
    )
    assert bad.json() == {"value": ["value must be between 0 and 10"]}
