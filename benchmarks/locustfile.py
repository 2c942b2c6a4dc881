"""Clinicians at work, for locust: run by ``benchmarks.bench_load``, which writes the plan.

``SSM_LOAD_PLAN`` names a JSON file (written by ``bench_load._plan``) giving each simulated user
a signed-in clinician session and a manager session of one of the clinician's teams, the
patients of each team, and what to type in the encounter form. A user opens records of patients
in its caseload, logs encounters and looks at its team's overview, 6 : 2 : 2. A response is a
failure unless it is 200 for a page, or for the encounter a 302 back to that patient's record
(a 400 is the form shown again with its errors: nothing was saved). Every request's name,
milliseconds and failure go to the JSON file ``SSM_LOAD_SAMPLES`` when locust quits, with the
seconds from the first request to the last.

Each task has a tag (``record``, ``encounter``, ``dashboard``), so a run can measure one kind of
request alone (``--tags dashboard``). The ``trivial`` task, the root address that only sends a
signed-in user on to their home (a 302), runs only when asked for (``--tags trivial``): the
benchmark's measure of what any signed-in request costs.
"""

from __future__ import annotations

import itertools
import json
import os
import random
from pathlib import Path

import gevent
from locust import FastHttpUser, between, events, tag, task

PLAN = json.loads(Path(os.environ["SSM_LOAD_PLAN"]).read_text())
_slots = itertools.count()
_samples: list[tuple[str, float, str | None]] = []


@events.request.add_listener
def _sample(name, response_time, exception, **_) -> None:
    _samples.append((name, response_time, None if exception is None else str(exception)))


@events.quitting.add_listener
def _save(environment, **_) -> None:
    total = environment.stats.total
    seconds = (total.last_request_timestamp or total.start_time) - total.start_time
    Path(os.environ["SSM_LOAD_SAMPLES"]).write_text(
        json.dumps({"seconds": seconds, "requests": _samples})
    )


class Clinician(FastHttpUser):
    # Spread around the mean, so users started together do not keep clicking in step.
    wait_time = between(PLAN["think_seconds"] / 2, PLAN["think_seconds"] * 3 / 2)

    def on_start(self) -> None:
        me = PLAN["users"][next(_slots) % len(PLAN["users"])]
        csrf = PLAN["csrf_token"]
        self.as_clinician = {"Cookie": f"sessionid={me['clinician']}; csrftoken={csrf}"}
        self.as_manager = {"Cookie": f"sessionid={me['manager']}"}
        self.caseload = [pid for team in me["teams"] for pid in PLAN["caseloads"][str(team)]]
        self.dashboard = f"/dashboards/teams/{me['dashboard_team']}/"
        self.rng = random.Random()
        # Users come in over one think time, not all at once: a burst of first requests would
        # otherwise be the slowest 5 % of a run with long think times.
        gevent.sleep(self.rng.uniform(0, PLAN["think_seconds"]))

    def _expect(self, response, status: int, location: str | None = None) -> None:
        if response.status_code == 0:  # no response at all: say why
            response.failure(f"{type(response.error).__name__}: {response.error}")
        elif response.status_code != status:
            response.failure(f"status {response.status_code}, expected {status}")
        elif location is not None and response.headers.get("Location") != location:
            response.failure(f"redirected to {response.headers.get('Location')}")
        else:
            response.success()

    @tag("record")
    @task(6)
    def record(self) -> None:
        patient = self.rng.choice(self.caseload)
        with self.client.get(
            f"/clinic/patients/{patient}/",
            name="record page",
            headers=self.as_clinician,
            allow_redirects=False,  # a signed-out user is sent to sign in: a failure
            catch_response=True,
        ) as response:
            self._expect(response, 200)

    @tag("encounter")
    @task(2)
    def encounter(self) -> None:
        patient = self.rng.choice(self.caseload)
        proxy, own = self.rng.sample(PLAN["elements"], 2)
        form = {
            **PLAN["encounter"],
            "csrfmiddlewaretoken": PLAN["csrf_token"],
            f"proxy_{proxy}": str(self.rng.randint(0, 10)),
            f"own_{own}": str(self.rng.randint(0, 10)),
        }
        with self.client.post(
            f"/clinic/patients/{patient}/encounters/new/",
            name="encounter POST",
            data=form,
            headers=self.as_clinician,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            self._expect(response, 302, location=f"/clinic/patients/{patient}/")

    @tag("dashboard")
    @task(2)
    def team_overview(self) -> None:
        with self.client.get(
            self.dashboard,
            name="team dashboard",
            headers=self.as_manager,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            self._expect(response, 200)

    @tag("trivial")
    @task(2)
    def trivial(self) -> None:
        with self.client.get(
            "/",
            name="trivial page",
            headers=self.as_manager,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            self._expect(response, 302)
