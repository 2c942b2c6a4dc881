"""The API's public contract, replayed exactly as written: every request of
docs/api-contract.md and every curl command of the README's walk-through, in order, must still
answer as documented. A change that makes any of them fail breaks an integration."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from patients.models import Membership, User
from tests.factories import MembershipFactory

# Each request commits, as on a real server, so what it queues on commit (the summaries'
# refresh) runs before the next request.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
ROOT = Path(__file__).resolve().parents[2]
REQUEST = re.compile(
    r"^(?P<method>[A-Z]+) (?P<path>\S+) -> (?P<status>\d{3})(?: as (?P<name>\w+))?$"
)


@dataclass
class Request:
    method: str
    path: str
    status: int
    body: str = ""
    keep_as: str = ""
    expect: str = ""  # the answer the document shows, when it shows a whole one


def documented_requests() -> list[Request]:
    text = (ROOT / "docs" / "api-contract.md").read_text()
    requests = []
    for block in re.findall(r"```request\n(.*?)```", text, flags=re.S):
        head, _, body = block.partition("\n")
        match = REQUEST.match(head.strip())
        assert match, head
        requests.append(
            Request(
                match["method"],
                match["path"],
                int(match["status"]),
                body.strip(),
                match["name"] or "",
            )
        )
    return requests


def readme_requests() -> list[Request]:
    """The curl commands of the README's walk-through, with the answers it shows."""
    readme = (ROOT / "README.md").read_text()
    block = readme.split("A walk-through with the demo data")[1].split("```sh\n")[1]
    block = block.split("```")[0].replace("\\\n", " ")
    requests: list[Request] = []
    loop_bodies: list[str] = []
    for line in block.splitlines():
        line = line.strip()
        if line.startswith("# ->") and requests:
            shown = line.removeprefix("# ->").strip()
            if "..." not in shown:
                requests[-1].expect = shown
            continue
        if line.startswith("for body in"):
            loop_bodies = re.findall(r"'(\{.*?\})'", line)
            continue
        if "curl" not in line or line.startswith("#"):
            continue
        bodies, loop_bodies = (loop_bodies or [""]), []
        command = shlex.split(line.split("curl", 1)[1].split("#")[0].split(" | ")[0])
        method = command[command.index("-X") + 1] if "-X" in command else "GET"
        path = next(part for part in command if part.startswith("$API"))
        data = command[command.index("-d") + 1] if "-d" in command else ""
        for body in bodies:
            requests.append(
                Request(method, path.replace("$API", "/api/v1"), 0, body or data, "", "")
            )
    return requests


def replay(requests: list[Request], names: dict[str, object], login: dict) -> None:
    client = APIClient()
    for request in requests:
        path, body = request.path, request.body
        for name, value in names.items():
            path = path.replace(f"{{{name}}}", str(value))
            body = body.replace(f"{{{name}}}", str(value))
        data = json.loads(body) if body else None
        if request.path.endswith("/auth/token/") and request.method == "POST":
            data = login
        response = client.generic(
            request.method, path, json.dumps(data) if data is not None else "",
            content_type="application/json",
        )  # fmt: skip
        answer = response.json() if response.content and "json" in response["Content-Type"] else {}
        if request.status:
            assert response.status_code == request.status, (request, answer)
        else:
            assert response.status_code in (200, 201) or request.expect, (request, answer)
        if request.expect:
            assert answer == json.loads(request.expect), request
        if "token" in answer:
            client.credentials(HTTP_AUTHORIZATION=f"Token {answer['token']}")
        if request.keep_as:
            names[request.keep_as] = answer["id"]


@pytest.fixture
def contract_clinician(team):
    user = User.objects.create_user(
        "contract-clinician", password="contract-password-1", role=User.Role.CLINICIAN
    )
    MembershipFactory(user=user, team=team, role=Membership.Role.CLINICIAN)
    return user


def test_every_documented_request_answers_as_documented(contract_clinician, team):
    requests = documented_requests()
    assert len(requests) >= 35
    replay(
        requests,
        {"team": team.pk},
        {"username": "contract-clinician", "password": "contract-password-1"},
    )


def test_the_readmes_walk_through_answers_as_written(contract_clinician, team):
    requests = readme_requests()
    assert [r.method for r in requests] == ["POST"] * 7 + ["GET", "POST"]
    # The README's ids are the demo database's; map them to this database's as we go.
    for request in requests:
        request.body = request.body.replace('"teams": [1]', f'"teams": [{team.pk}]')
        request.path = request.path.replace("$P", "{patient}")
        request.body = request.body.replace("P4711", "P{item}")
        if request.path.endswith("/patients/"):
            request.keep_as = "patient"
        if request.path.endswith("/items/"):
            request.keep_as = "item"
    replay(
        requests,
        {},
        {"username": "contract-clinician", "password": "contract-password-1"},
    )
    assert requests[-1].expect == '{"value": ["value must be between 0 and 10"]}'
