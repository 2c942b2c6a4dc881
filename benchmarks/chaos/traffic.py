"""Writing through the API at a steady rate, and remembering every write made."""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/ssm_chaos"
# A task whose worker was killed is handed out again after seconds, not hours: redelivery is
# part of what is being shaken.
WORKER_ENV = {
    "CELERY_VISIBILITY_TIMEOUT": "20",
    "CELERY_UNACKED_RESTORE_INTERVAL": "2",
    "CELERY_UNACKED_RESTORE_THROTTLE": "1",
}
# loinc, unit, plausible range used for readings and targets
MARKERS = [
    ("59261-8", "mmol/mol", 30, 120),
    ("8480-6", "mm[Hg]", 90, 190),
    ("29463-7", "kg", 45, 140),
]
CONTEXT_KINDS = ["new_diagnosis", "progression", "admission", "bereavement", "new_job", "other"]
DAYS_BACK = 300  # about four quarters, so summaries have a previous quarter to change from
WRITES = {  # kind of write: weight
    "rating": 40,
    "encounter": 12,
    "reading": 10,
    "goal_review": 8,
    "priorities": 6,
    "goal": 5,
    "target": 5,
    "context_event": 4,
    "item": 3,
    "patient": 3,
    "rename": 2,
}
READ_EVERY = 5


# --- Writing through the API ------------------------------------------------------------------


@dataclass
class Request:
    """One API request, and the row it should leave behind: ``model`` found by ``lookups``."""

    path: str
    body: dict | None = None
    model: str = ""
    lookups: dict = field(default_factory=dict)
    method: str = "post"
    action: str = "create"  # what the audit log should say
    expect: int = 201
    key: object = None  # the row's key when it is not the id in the answer
    then: Callable[[dict], None] | None = None  # bookkeeping once it is saved


class Writer:
    """Makes requests through the API as clinicians and remembers what each should have left."""

    def __init__(self, rng: random.Random, clinicians: dict[int, tuple[str, list[int]]]) -> None:
        from django.test import Client

        from indicators.scoring import FRAMEWORK_CODES

        self.rng = rng
        self.codes = list(FRAMEWORK_CODES)
        self.clients = {
            uid: Client(HTTP_HOST="127.0.0.1", headers={"authorization": f"Token {token}"})
            for uid, (token, _) in clinicians.items()
        }
        self.teams_of = {uid: teams for uid, (_, teams) in clinicians.items()}
        self.patients: dict[int, list[int]] = {}  # patient id: team ids
        self.items: dict[int, list[str]] = {}  # patient id: personal item keys
        self.goals: dict[int, list[tuple[int, dt.date]]] = {}  # patient id: goal id, baseline
        self.expected: dict[str, dict] = {}  # model: {row key: lookups that find it}
        self.audits: Counter = Counter()  # (actor, patient, action)
        self.ok = Counter()
        self.failed = Counter()
        self.failures: list[str] = []
        # request seconds, by whether redis-server was up at the time
        self.broker_up = True
        self.latencies: dict[bool, list[float]] = {True: [], False: []}
        self.serial = 0

    # Requests

    def _response(self, uid: int, request: Request) -> tuple[int, dict | None]:
        client = self.clients[uid]
        began = time.perf_counter()
        try:
            if request.method == "get":
                response = client.get(request.path, secure=True)
            else:
                response = getattr(client, request.method)(
                    request.path,
                    json.dumps(request.body),
                    content_type="application/json",
                    secure=True,
                )
        except Exception as error:  # a server error, raised through the test client
            return 500, {"error": repr(error)}
        finally:
            self.latencies[self.broker_up].append(time.perf_counter() - began)
        try:
            return response.status_code, response.json()
        except ValueError:
            return response.status_code, None

    def send(self, kind: str, uid: int, patient_id: int | None, request: Request) -> None:
        """Make the request; count it, and note the row and the audit row it should leave."""
        status, data = self._response(uid, request)
        if status != request.expect:
            self.failed[kind] += 1
            if len(self.failures) < 8:
                what = f"{request.method.upper()} {request.path} -> {status}: {data}"
                self.failures.append(what[:400])
            return
        self.ok[kind] += 1
        patient_id = data["id"] if patient_id is None else patient_id  # a new patient
        self.audits[uid, patient_id, request.action] += 1
        if request.model:
            key = data["id"] if request.key is None else request.key
            self.expected.setdefault(request.model, {})[key] = request.lookups
        if request.then:
            request.then(data)

    def write(self, kind: str) -> None:
        pid = self.rng.choice(list(self.patients))
        if kind == "goal_review" and not self.goals.get(pid):
            kind = "goal"
        uid = self._clinician_of(pid)
        request = getattr(self, f"_{kind}")(uid, pid)
        self.send(kind, uid, None if kind == "patient" else pid, request)

    def read(self) -> None:
        pid = self.rng.choice(list(self.patients))
        path = f"/api/v1/patients/{pid}/summaries/"
        request = Request(path, method="get", action="view", expect=200)
        self.send("read", self._clinician_of(pid), pid, request)

    def new_patient(self) -> None:
        uid = self.rng.choice(list(self.teams_of))
        self.send("patient", uid, None, self._patient(uid, None))

    # Random choices

    def _day(self, since: dt.date | None = None) -> dt.date:
        from django.utils import timezone

        today = timezone.localdate()
        earliest = since or today - dt.timedelta(days=DAYS_BACK)
        return earliest + dt.timedelta(days=self.rng.randint(0, (today - earliest).days))

    def _clinician_of(self, patient_id: int) -> int:
        teams = set(self.patients[patient_id])
        return self.rng.choice([uid for uid, own in self.teams_of.items() if teams & set(own)])

    def _keys(self, patient_id: int) -> list[str]:
        return self.codes + self.items.get(patient_id, [])

    def _next(self) -> int:
        self.serial += 1
        return self.serial

    # The writes: each builds its request and what it should leave

    def _patient(self, uid: int, _: int | None) -> Request:
        own = self.teams_of[uid]
        teams = self.rng.sample(own, self.rng.randint(1, len(own)))
        name, born = f"Chaos {self._next()}", self.rng.randint(1930, 2004)

        def saved(data: dict) -> None:
            self.patients[data["id"]] = teams

        body = {"display_name": name, "birth_year": born, "teams": teams}
        lookups = {"display_name": name, "birth_year": born}
        return Request("/api/v1/patients/", body, "patients.Patient", lookups, then=saved)

    def _rename(self, _: int, pid: int) -> Request:
        name = f"Chaos renamed {self._next()}"
        lookups = {**self.expected["patients.Patient"][pid], "display_name": name}
        return Request(
            f"/api/v1/patients/{pid}/",
            {"display_name": name},
            "patients.Patient",
            lookups,
            method="patch",
            action="update",
            expect=200,
            key=pid,
        )

    def _rating(self, _: int, pid: int) -> Request:
        key = self.rng.choice(self._keys(pid))
        body = {
            "element": key,
            "value": self.rng.randint(0, 10),
            "rated_on": str(self._day()),
            "rater": self.rng.choice(["proxy", "proxy", "clinician"]),
        }
        element = {"element_id": int(key[1:])} if key[0] == "P" else {"element__code": key}
        lookups = {"patient_id": pid, **element, **_without(body, "element")}
        return Request(f"/api/v1/patients/{pid}/ratings/", body, "assessments.Rating", lookups)

    def _encounter(self, uid: int, pid: int) -> Request:
        from django.utils import timezone

        seconds = self.rng.randint(3600, DAYS_BACK * 86400)
        occurred = (timezone.localtime() - dt.timedelta(seconds=seconds)).replace(microsecond=0)
        body = {
            "occurred_at": occurred.isoformat(),
            "mode": self.rng.choice(["face_to_face", "phone", "video", "group", "message"]),
            "initiated_by": self.rng.choice(["patient", "service"]),
            "duration_minutes": self.rng.randint(5, 60),
            "strategies": self.rng.sample(["goal_setting", "problem_solving", "signposting"], 1),
        }
        lookups = {
            "patient_id": pid,
            "clinician_id": uid,
            "occurred_at": occurred,
            **_without(body, "occurred_at", "strategies"),
        }
        return Request(f"/api/v1/patients/{pid}/encounters/", body, "patients.Encounter", lookups)

    def _reading(self, _: int, pid: int) -> Request:
        loinc, unit, low, high = self.rng.choice(MARKERS)
        value = f"{self.rng.uniform(low, high):.2f}"
        body = {"loinc": loinc, "value": value, "unit": unit, "taken_on": str(self._day())}
        lookups = {
            "patient_id": pid,
            "marker__loinc": loinc,
            "value": Decimal(value),
            "taken_on": body["taken_on"],
        }
        return Request(f"/api/v1/patients/{pid}/readings/", body, "assessments.Reading", lookups)

    def _target(self, _: int, pid: int) -> Request:
        loinc, _, low, high = self.rng.choice(MARKERS)
        if self.rng.random() < 0.8:
            body = {"low": f"{low + 5}.00", "high": f"{(low + high) / 2:.2f}", "relevant": True}
            bounds = {"low": Decimal(body["low"]), "high": Decimal(body["high"])}
        else:
            body = {"relevant": False, "reason": "Not what matters to this person"}
            bounds = {"low": None, "high": None}
        return Request(
            f"/api/v1/patients/{pid}/targets/{loinc}/",
            body,
            "assessments.PersonalTarget",
            {"patient_id": pid, "marker__loinc": loinc, "relevant": body["relevant"], **bounds},
            method="put",
            action="update",
            expect=200,
            key=(pid, loinc),  # one target per patient and marker: the last one stands
        )

    def _priorities(self, _: int, pid: int) -> Request:
        keys = self.rng.sample(self._keys(pid), self.rng.randint(1, 5))
        points = {key: self.rng.randint(1, 20) for key in keys}
        body = {"effective_from": str(self._day()), "points": points}
        lookups = {
            "patient_id": pid,
            "effective_from": body["effective_from"],
            "total": sum(points.values()),
        }
        path = f"/api/v1/patients/{pid}/priorities/"
        return Request(path, body, "assessments.PrioritySet", lookups)

    def _goal(self, _: int, pid: int) -> Request:
        baseline = self._day()
        body = {
            "description": f"Goal {self._next()}",
            "domain": self.rng.choice("HMR"),
            "importance": self.rng.randint(1, 3),
            "difficulty": self.rng.randint(1, 3),
            "baseline_on": str(baseline),
        }

        def saved(data: dict) -> None:
            self.goals.setdefault(pid, []).append((data["id"], baseline))

        lookups = {"patient_id": pid, "domain_id": body["domain"], **_without(body, "domain")}
        path = f"/api/v1/patients/{pid}/goals/"
        return Request(path, body, "assessments.Goal", lookups, then=saved)

    def _goal_review(self, _: int, pid: int) -> Request:
        goal_id, baseline = self.rng.choice(self.goals[pid])
        body = {"attainment": self.rng.randint(-2, 2), "reviewed_on": str(self._day(baseline))}
        path = f"/api/v1/goals/{goal_id}/reviews/"
        return Request(path, body, "assessments.GoalReview", {"goal_id": goal_id, **body})

    def _context_event(self, _: int, pid: int) -> Request:
        body = {"kind": self.rng.choice(CONTEXT_KINDS), "occurred_on": str(self._day())}
        path = f"/api/v1/patients/{pid}/context-events/"
        return Request(path, body, "patients.ContextEvent", {"patient_id": pid, **body})

    def _item(self, _: int, pid: int) -> Request:
        body = {"label": f"Something that matters {self._next()}", "domain": self.rng.choice("HMR")}

        def saved(data: dict) -> None:
            self.items.setdefault(pid, []).append(data["key"])

        lookups = {"patient_id": pid, "label": body["label"], "domain_id": body["domain"]}
        path = f"/api/v1/patients/{pid}/items/"
        return Request(path, body, "assessments.Element", lookups, then=saved)


def _without(body: dict, *names: str) -> dict:
    return {k: v for k, v in body.items() if k not in names}


def set_up_people(rng: random.Random, patients: int) -> Writer:
    """Two teams and three clinicians (one in both), with API tokens; patients through the API."""
    from accounts.services import api_token_create
    from patients.models import Membership, Team, User

    teams = [Team.objects.create(name=name) for name in ("Chaos North", "Chaos South")]
    clinicians = {}
    for n, own in enumerate([teams[:1], teams[1:], teams], start=1):
        user = User.objects.create_user(
            username=f"chaos-clinician-{n}", first_name=f"Clin{n}", role=User.Role.CLINICIAN
        )
        for team in own:
            Membership.objects.create(user=user, team=team, role=Membership.Role.CLINICIAN)
        _, key = api_token_create(user=user, name="Chaos run")
        clinicians[user.pk] = (key, [t.pk for t in own])
    writer = Writer(rng, clinicians)
    for _ in range(patients):
        writer.new_patient()
    return writer
