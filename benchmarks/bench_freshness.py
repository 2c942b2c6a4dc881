"""Incremental freshness under load: ratings saved through the HTTP API at a steady rate, each
followed until its patient's and its team's summaries carry it.

    python -m benchmarks.bench_freshness [--patients 50000] [--rate 5] [--seconds 60]

Runs on the load benchmark's database (``ssm_bench_<patients>``, or ``BENCH_LOAD_DATABASE_URL``;
seeded with ``seed_demo`` when it does not hold that many patients) against gunicorn with production
settings and one Celery worker of one process listening on every summary queue
(``benchmarks.servers.QUEUES``), on Redis db 8 (``BENCH_FRESHNESS_BROKER_URL``).

A save is ``POST /api/v1/patients/{id}/ratings/`` (a proxy rating of a framework element, dated
today) made with a clinician's API token, ``--rate`` a second for ``--seconds``, each to a
different patient of the clinician's teams, so no save's figures depend on another's. Latencies
run from the moment the request was sent:

- the patient summary is fresh once the patient's state is not stale and the summary of that
  quarter was computed after the request was sent and carries the index and coverage that the
  floor statement (``benchmarks.floor``) computes from the raw tables after the save;
- the team summary is fresh once every team of the patient has a summary of that quarter
  computed after the patient's was seen fresh. A team computation stores the summary as not
  stale; at this rate the next save of another patient flags it stale again within a fraction of
  a second, so "not stale" is judged at the moment of that computation.

Once the queues are empty every team summary the saves touched is recomputed (and rolled back):
one that differs from what is stored is a lost update, and counts against a target of none. A
save whose team was computed between the patient's commit and the watcher's next look carries
the save but was never seen after it; it is judged fresh then (``_settle``) only if every team of
its quarter stores what the recomputation gives, is not stale, and was computed no earlier than
the patient's summary. A save not fresh within ``--deadline`` seconds (twice that for the team)
is a miss and counts as never (infinitely late) in the percentiles. After the last save the
length of each queue, and the tasks taken but not finished, are printed each second until all
are empty; what is still there after ``--drain`` seconds is dropped and counted as unfinished
work. The exit status is 0 whatever the figures.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import secrets
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.floor import floor_rows
from benchmarks.scratch_db import database_ensure, django_setup
from benchmarks.servers import (
    GROUPS,
    QUEUES,
    celery_worker_start,
    free_port,
    gunicorn_start,
    process_stop,
    queue_lengths,
    queues_purge,
    wait_ready,
    worker_wait_ready,
)
from benchmarks.targets import Target, percentile, target_print

TARGET_PATIENT_P95 = 2.0
TARGET_TEAM_P95 = 30.0
TARGET_DRAIN = 30.0
POLL_SECONDS = 0.1


@dataclass
class Save:
    patient_id: int
    teams: list[int]
    period: str
    sent: float  # time.time() when the request was sent
    answered: float = math.nan  # seconds the request took
    status: int = 0
    expected: tuple | None = None  # (index, coverage) from the floor, after the save
    patient_fresh: float = math.inf  # seconds from sent; inf: not (yet)
    patient_seen: float = math.nan  # time.time() when the patient summary was seen fresh
    team_fresh: float = math.inf
    settled: bool = False  # team freshness judged after the run (``_settle``)


def _same(a: float | None, b: float | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and abs(a - b) <= 1e-9)


class Watcher(threading.Thread):
    """Polls the database for the saves not yet fresh, every ``POLL_SECONDS``."""

    def __init__(self, deadline: float) -> None:
        super().__init__(daemon=True)
        self.deadline = deadline
        self.saves: list[Save] = []
        self.lock = threading.Lock()
        self.finished = threading.Event()

    def add(self, save: Save) -> None:
        with self.lock:
            self.saves.append(save)

    def pending(self) -> list[Save]:
        now = time.time()
        with self.lock:
            return [
                s
                for s in self.saves
                if s.status == 201
                and (math.isinf(s.patient_fresh) or math.isinf(s.team_fresh))
                and now - s.sent < self.deadline * (1 if math.isinf(s.patient_fresh) else 2)
            ]

    def run(self) -> None:
        from django.db import connection

        try:
            while not self.finished.wait(POLL_SECONDS):
                self._look()
        finally:
            connection.close()

    def _look(self) -> None:
        from indicators.models import PatientSummary, SummaryState, TeamSummary

        pending = self.pending()
        if not pending:
            return
        for save in pending:
            if save.expected is None:
                figures = floor_rows(save.patient_id, save.patient_id)
                save.expected = figures.get((save.patient_id, save.period), (None, 0.0))
        ids = [s.patient_id for s in pending]
        stale = set(
            SummaryState.objects.filter(patient_id__in=ids)
            .stale()
            .values_list("patient_id", flat=True)
        )
        stored = {
            (p, q): (i, c, at)
            for p, q, i, c, at in PatientSummary.objects.filter(patient_id__in=ids).values_list(
                "patient_id", "period", "index", "coverage", "computed_at"
            )
        }
        teams = {
            (t, q): at
            for t, q, at in TeamSummary.objects.filter(
                team_id__in={t for s in pending for t in s.teams}
            ).values_list("team_id", "period", "computed_at")
        }
        now = time.time()
        for save in pending:
            if math.isinf(save.patient_fresh):
                index, coverage, at = stored.get((save.patient_id, save.period), (None, None, None))
                if (
                    save.patient_id not in stale
                    and at is not None
                    and at.timestamp() >= save.sent
                    and save.expected is not None
                    and _same(index, save.expected[0])
                    and _same(coverage, save.expected[1])
                ):
                    save.patient_fresh, save.patient_seen = now - save.sent, now
            if not math.isinf(save.patient_fresh) and math.isinf(save.team_fresh):
                ats = [teams.get((t, save.period)) for t in save.teams]
                if all(at is not None and at.timestamp() >= save.patient_seen for at in ats):
                    save.team_fresh = now - save.sent


def _clinician_and_patients(count: int, seed: int):
    """The clinician whose teams hold the most patients, and ``count`` of those patients with
    their teams."""
    from django.db.models import Count

    from patients.models import Membership, Patient, User

    clinician = (
        User.objects.filter(role=User.Role.CLINICIAN, memberships__role=Membership.Role.CLINICIAN)
        .annotate(reach=Count("memberships__team__patients", distinct=True))
        .order_by("-reach", "username")
        .first()
    )
    if clinician is None:
        raise RuntimeError("the cohort has no clinician")
    team_ids = list(
        clinician.memberships.filter(role=Membership.Role.CLINICIAN).values_list(
            "team_id", flat=True
        )
    )
    teams_of: dict[int, list[int]] = {}
    for pid, tid in Patient.teams.through.objects.values_list("patient_id", "team_id"):
        teams_of.setdefault(pid, []).append(tid)
    reachable = sorted(p for p, ts in teams_of.items() if set(ts) & set(team_ids))
    if len(reachable) < count:
        raise RuntimeError(f"only {len(reachable)} patients for {count} saves")
    chosen = random.Random(seed).sample(reachable, count)
    return clinician, [(p, sorted(teams_of[p])) for p in chosen]


def _post(conn: http.client.HTTPConnection, path: str, token: str, body: dict) -> int:
    conn.request(
        "POST",
        path,
        body=json.dumps(body),
        headers={
            "Authorization": f"Token {token}",
            "Content-Type": "application/json",
            "Host": "127.0.0.1",
        },
    )
    response = conn.getresponse()
    response.read()
    return response.status


def _drive(port: int, token: str, people, rate: float, seconds: int, watcher: Watcher, seed: int):
    """Save one rating to each of ``people`` at ``rate`` a second; returns the seconds taken."""
    from django.utils import timezone

    from assessments.models import Element
    from indicators.scoring import period_of

    elements = list(Element.objects.framework().values_list("code", flat=True))
    rng = random.Random(seed)

    def moving(patient_id: int, day) -> tuple[str, int]:
        """A framework element carrying points for the patient and a value other than their
        latest rating of it in the quarter: a save that moves their index, so their teams' figures
        move too (a rerun of the same seed would otherwise save what is already there)."""
        from assessments.models import PriorityPoint, PrioritySet, Rating

        held = PrioritySet.objects.filter(patient_id=patient_id, effective_from__lte=day)
        latest_set = held.order_by("-effective_from", "-id").first()
        codes = elements
        if latest_set is not None:
            codes = (
                list(
                    PriorityPoint.objects.filter(
                        priority_set=latest_set, points__gt=0, element__code__in=elements
                    ).values_list("element__code", flat=True)
                )
                or elements
            )
        code = rng.choice(codes)
        first_day = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
        latest = (
            Rating.objects.filter(
                patient_id=patient_id,
                element__code=code,
                rater__in=("patient", "proxy"),
                rated_on__gte=first_day,
            )
            .order_by("-rated_on", "-id")
            .values_list("value", flat=True)
            .first()
        )
        return code, rng.choice([v for v in range(11) if v != latest])

    today = timezone.localdate()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    began = time.monotonic()
    for n, (patient_id, teams) in enumerate(people[: int(rate * seconds)]):
        time.sleep(max(0.0, began + n / rate - time.monotonic()))
        code, value = moving(patient_id, today)
        save = Save(patient_id, teams, period_of(today), time.time())
        body = {
            "element": code,
            "value": value,
            "rated_on": today.isoformat(),
            "rater": "proxy",
        }
        started = time.monotonic()
        try:
            save.status = _post(conn, f"/api/v1/patients/{patient_id}/ratings/", token, body)
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        save.answered = time.monotonic() - started
        watcher.add(save)
    conn.close()
    return time.monotonic() - began


def _cohort(patients: int) -> str:
    from benchmarks.bench_load import _cohort_ready, _database_url, _seed

    url = _database_url(patients)
    database_ensure(url)
    django_setup(url, os.environ.get("BENCH_FRESHNESS_BROKER_URL", "redis://127.0.0.1:6379/8"))
    if not _cohort_ready(patients):
        began = time.perf_counter()
        _seed(url, patients)
        print(
            f"seeded {patients:,} patients with their summaries "
            f"in {time.perf_counter() - began:.0f} s"
        )
    return url


def _settle(saves: list[Save]) -> int:
    """After the queues are empty: recompute the team summaries the saves touched, in a
    transaction rolled back, and return how many differ from what is stored (a lost update).

    The watcher judges a team fresh once its summary was computed after it saw the patient's
    fresh; a team computed in the moment between the patient's commit and the watcher's next
    look carries the save yet is not counted. Such a save, still not fresh, is settled here:
    when every team of its quarter stores exactly what a recomputation gives, is not stale and
    was computed no earlier than the patient's summary, it counted from then on."""
    from django.db import transaction

    from indicators.group_summaries import TEAM, group_summaries_compute_many
    from indicators.models import PatientSummary, TeamSummary

    keys = {(t, s.period) for s in saves if s.status == 201 for t in s.teams}
    fields = ("team_id", "period", "patients", "figures", "stale", "computed_at")

    def teams_now() -> dict[tuple[int, str], dict]:
        rows = TeamSummary.objects.filter(
            team_id__in={t for t, _ in keys}, period__in={q for _, q in keys}
        ).values(*fields)
        return {
            (row["team_id"], row["period"]): row
            for row in rows
            if (row["team_id"], row["period"]) in keys
        }

    stored = teams_now()
    with transaction.atomic():
        group_summaries_compute_many(TEAM, keys)  # every team-quarter at once, set-based
        recomputed = teams_now()
        transaction.set_rollback(True)
    differing = {
        k
        for k in keys
        if k not in stored
        or (stored[k]["patients"], stored[k]["figures"])
        != (recomputed[k]["patients"], recomputed[k]["figures"])
    }
    unsettled = [s for s in saves if not math.isinf(s.patient_fresh) and math.isinf(s.team_fresh)]
    patient_at = {
        (p, q): at
        for p, q, at in PatientSummary.objects.filter(
            patient_id__in={s.patient_id for s in unsettled}
        ).values_list("patient_id", "period", "computed_at")
    }
    for save in unsettled:
        since = patient_at.get((save.patient_id, save.period))
        teams = [stored.get((t, save.period)) for t in save.teams]
        if since is not None and all(
            team is not None
            and (team["team_id"], team["period"]) not in differing
            and not team["stale"]
            and team["computed_at"] is not None
            and team["computed_at"] >= since
            for team in teams
        ):
            latest = max(team["computed_at"].timestamp() for team in teams)
            save.team_fresh = max(latest - save.sent, save.patient_fresh)
            save.settled = True
    return len(differing)


def _report(
    saves: list[Save], rate: float, seconds: float, drain: float, dropped: int, differing: int
) -> None:
    sent = len(saves)
    refused = sum(s.status != 201 for s in saves)
    patient = [s.patient_fresh for s in saves]
    team = [s.team_fresh for s in saves]
    posts = sorted(s.answered for s in saves if not math.isnan(s.answered))
    print(
        f"saves: {sent} in {seconds:.1f} s ({sent / seconds:.2f}/s), refused {refused}; "
        f"POST p50 {1000 * percentile(posts, 50):.0f} ms, p95 {1000 * percentile(posts, 95):.0f} ms"
    )
    for name, values in (("patient summary", patient), ("team summary", team)):
        missed = sum(math.isinf(v) for v in values)
        print(
            f"{name} fresh after: p50 {percentile(values, 50):.2f} s, "
            f"p95 {percentile(values, 95):.2f} s, max {max(values, default=math.nan):.2f} s; "
            f"never within the deadline: {missed}"
        )
    settled = sum(s.settled for s in saves)
    if settled:
        print(
            f"of which team summaries judged fresh after the run (computed between the patient's "
            f"commit and the next look): {settled}"
        )
    print(f"queues empty {drain:.1f} s after the last save; tasks dropped unfinished: {dropped}")
    print(f"team summaries differing from a recomputation once the queues were empty: {differing}")
    where = f"({rate:g} saves/s for {seconds:.0f} s, 1 worker process for patients, 1 for groups)"
    target_print(
        Target(f"saves per second sustained {where}", round(sent / seconds, 2), rate, at_most=False)
    )
    target_print(Target(f"saves refused {where}", refused, 0))
    target_print(
        Target(
            f"patient summary fresh p95 {where}",
            percentile(patient, 95),
            TARGET_PATIENT_P95,
            "s",
            below=True,
        )
    )
    target_print(
        Target(
            f"team summary fresh p95 {where}",
            percentile(team, 95),
            TARGET_TEAM_P95,
            "s",
            below=True,
        )
    )
    never = sum(math.isinf(s.patient_fresh) or math.isinf(s.team_fresh) for s in saves)
    target_print(Target(f"saves whose summaries were never fresh {where}", never, 0))
    target_print(Target(f"queues empty after the last save {where}", drain, TARGET_DRAIN, "s"))
    target_print(Target(f"refresh tasks left unfinished and dropped {where}", dropped, 0))
    target_print(Target(f"team summaries differing from a recomputation {where}", differing, 0))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=50_000)
    parser.add_argument("--rate", type=float, default=5.0, help="saves a second")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--deadline", type=float, default=60, help="seconds a save may take")
    parser.add_argument("--drain", type=float, default=120, help="seconds to wait for the queues")
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args(argv)

    os.environ.setdefault("LOG_LEVEL", "WARNING")
    url = _cohort(args.patients)
    from django.db import connection

    from accounts.services import api_token_create

    clinician, people = _clinician_and_patients(int(args.rate * args.seconds), args.seed)
    token, key = api_token_create(
        user=clinician, name=f"freshness benchmark {secrets.token_hex(4)}"
    )
    left = queues_purge()
    if left:
        print(f"{left} task(s) left on the queues by an earlier run, dropped before starting")
    log = Path(tempfile.gettempdir()) / f"ssm-freshness-worker-{os.getpid()}.log"
    server = worker = groups_worker = None
    watcher = Watcher(args.deadline)
    try:
        # As docker-compose deploys them: one worker process for patients' refreshes (and the
        # rebuild's queue), one for team and caseload refreshes.
        worker = celery_worker_start(
            concurrency=1,
            log=log,
            queues=tuple(q for q in QUEUES if q != GROUPS),
            loglevel="INFO",
        )
        groups_worker = celery_worker_start(
            concurrency=1, log=log, queues=(GROUPS,), loglevel="INFO"
        )
        port = free_port()
        server = gunicorn_start(port, url, workers=3, threads=1, worker_class="sync")
        wait_ready(port, server)
        worker_wait_ready(worker)
        print(
            f"cohort: {args.patients:,} patients; clinician {clinician.username}; gunicorn 3 sync "
            f"workers, production settings; 1 Celery worker process for patients' refreshes, "
            f"1 for team and caseload refreshes"
        )
        watcher.start()
        seconds = _drive(port, key, people, args.rate, args.seconds, watcher, args.seed)
        ended = time.monotonic()
        drain = math.inf
        while time.monotonic() - ended < args.drain:
            lengths = queue_lengths()
            print(
                f"  +{time.monotonic() - ended:5.1f} s  "
                + "  ".join(f"{q} {n}" for q, n in lengths.items()),
                flush=True,
            )
            if not any(lengths.values()):
                drain = time.monotonic() - ended
                break
            time.sleep(1)
        while watcher.pending() and time.monotonic() - ended < 2 * args.deadline:
            time.sleep(0.5)
    finally:
        watcher.finished.set()
        if watcher.is_alive():
            watcher.join()
        if server is not None:
            process_stop(server)
        for started in (worker, groups_worker):
            if started is not None:
                process_stop(started)
        dropped = queues_purge()
        token.delete()
    differing = _settle(watcher.saves)
    connection.close()
    _report(watcher.saves, args.rate, seconds, drain, dropped, differing)
    return 0


if __name__ == "__main__":
    sys.exit(main())
