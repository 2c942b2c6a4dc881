"""Load-test the team overview of a 5,000-patient team next to a trivial signed-in page.

    python -m benchmarks.bench_dashboard [--patients 5000] [--threads 10] [--requests 40]

Builds a team's stored summaries directly with ``bulk_create`` (eight quarters of patient
summaries, then the team summaries through the real ``team_summary_compute``), starts gunicorn on
127.0.0.1 with production settings, and drives the team overview and the home page with a fixed
number of concurrent clients: ``--threads`` clients each make ``--requests`` requests, so the run
ends by itself. It prints p50 / p95 latency and throughput of both pages, measured in the same run,
and their ratio. It asserts nothing.

Without ``DATABASE_URL`` (or with a SQLite one) everything happens in a scratch SQLite file that
is deleted afterwards. It lives in ``/dev/shm`` where there is one (``--db-dir`` to change): a
signed-in session is saved at most once a minute (``ssm_outcomes.session_refresh``), and on a
disk whose fsync takes tens of milliseconds such a commit, not the page, would be what is
measured. The team overview's figures are rendered once and kept
(``indicators.dashboard.figures_key``), as in production: after its first request the page
measured is the kept one. With a PostgreSQL ``DATABASE_URL`` the rows it creates there are
deleted at the end.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import secrets
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.latency import Result
from benchmarks.scratch_db import django_setup
from benchmarks.servers import (
    free_port,
    gunicorn_start,
    http_get,
    process_stop,
    session_keys,
    wait_ready,
)
from benchmarks.targets import Target, target_print

QUARTERS = 8
LAST_QUARTER = "2026Q2"
TARGET_P95_MS = 200.0
TARGET_RATIO = 0.3
# The trivial page: the root address, which only sends a signed-in user on to their home.
HOME_STATUS = 302


@dataclass
class Created:
    team_id: int
    user_id: int
    patient_ids: tuple[int, int]
    session_keys: list[str]


def _build(patients: int, seed: int, sessions: int) -> Created:
    """A team of ``patients`` with eight quarters of stored summaries, and a signed-in manager
    with one session per concurrent client, as if each were a different browser."""
    from indicators.group_summaries import team_summary_compute
    from indicators.models import PatientSummary
    from indicators.scoring import direction_of, index_change, recent_periods
    from patients.models import Membership, Patient, Team, User

    rng = random.Random(seed)
    tag = secrets.token_hex(4)
    team = Team.objects.create(name=f"Benchmark team {tag}")
    user = User.objects.create_user(
        username=f"bench-manager-{tag}", password=secrets.token_urlsafe(16), role=User.Role.MANAGER
    )
    Membership.objects.create(user=user, team=team, role=Membership.Role.MANAGER)
    people = Patient.objects.bulk_create(
        [Patient(display_name=f"Bench {tag} {n}", birth_year=1950) for n in range(patients)],
        batch_size=1000,
    )
    Patient.teams.through.objects.bulk_create(
        [Patient.teams.through(patient_id=p.pk, team_id=team.pk) for p in people], batch_size=2000
    )
    periods = recent_periods(LAST_QUARTER, QUARTERS)
    kinds = ("progression", "admission", "bereavement", "new_job")
    rows = []
    for person in people:
        level, previous = rng.uniform(30, 80), None
        own = rng.random() < 0.6
        for period in periods:
            index = min(100.0, max(0.0, level + rng.gauss(0, 8)))
            change = index_change(index, previous)
            events = (
                [{"kind": rng.choice(kinds), "occurred_on": "2026-01-15"}]
                if rng.random() < 0.08
                else []
            )
            scores = [min(100.0, max(0.0, index + rng.gauss(0, 6))) for _ in range(3)]
            rows.append(
                PatientSummary(
                    patient_id=person.pk,
                    period=period,
                    index=index,
                    coverage=rng.uniform(0.4, 1.0),
                    weights_source="patient" if own else "default",
                    h_score=scores[0],
                    m_score=scores[1],
                    r_score=scores[2],
                    h_weight=0.4,
                    m_weight=0.3,
                    r_weight=0.3,
                    goal_attainment=rng.gauss(50, 8) if rng.random() < 0.4 else None,
                    markers_relevant=2,
                    markers_with_reading=rng.choice((0, 1, 2)),
                    markers_in_target=0,
                    change=change,
                    direction=direction_of(change) or "",
                    attribution_caveat=bool(events),
                    context_events=events,
                    encounters=rng.choice((0, 1, 2, 3)),
                    patient_initiated=rng.choice((0, 0, 1)),
                )
            )
            previous = index
    for row in rows:
        row.markers_in_target = min(row.markers_with_reading, rng.choice((0, 1, 2)))
    PatientSummary.objects.bulk_create(rows, batch_size=2000)
    for period in periods:
        team_summary_compute(team_id=team.pk, period=period)
    keys = session_keys(user, sessions)
    return Created(team.pk, user.pk, (people[0].pk, people[-1].pk), keys)


def _clean_up(created: Created) -> None:
    from django.contrib.sessions.models import Session

    from patients.models import Patient, Team, User

    Session.objects.filter(session_key__in=created.session_keys).delete()
    Patient.objects.filter(pk__range=created.patient_ids).delete()
    Team.objects.filter(pk=created.team_id).delete()
    User.objects.filter(pk=created.user_id).delete()


def _drive(
    port: int, path: str, cookies: list[str], requests: int, expect: bytes, status_ok: int = 200
) -> Result:
    """One client per cookie, each on its own keep-alive connection, makes ``requests`` requests;
    an answer is an error unless it has status ``status_ok`` and contains ``expect``."""
    threads = len(cookies)
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    start = threading.Barrier(threads + 1)

    def client(cookie: str) -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, bad = [], 0
        start.wait()
        for _ in range(requests):
            began = time.perf_counter()
            try:
                status, body = http_get(conn, path, cookie)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                bad += 1
                continue
            mine.append(time.perf_counter() - began)
            bad += status != status_ok or expect not in body
        conn.close()
        with lock:
            latencies.extend(mine)
            errors += bad

    workers = [threading.Thread(target=client, args=(cookie,)) for cookie in cookies]
    for worker in workers:
        worker.start()
    start.wait()
    began = time.perf_counter()
    for worker in workers:
        worker.join()
    return Result(latencies, time.perf_counter() - began, errors)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=5000)
    parser.add_argument("--threads", type=int, default=10, help="concurrent clients")
    parser.add_argument("--requests", type=int, default=40, help="requests per client and page")
    parser.add_argument("--rounds", type=int, default=4, help="alternations of the two pages")
    parser.add_argument("--workers", type=int, default=min(4, os.cpu_count() or 1))
    parser.add_argument("--server-threads", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    ram_disk = Path("/dev/shm")  # noqa: S108 — a file of our own with a unique name, deleted after
    parser.add_argument(
        "--db-dir",
        type=Path,
        default=ram_disk if ram_disk.is_dir() else Path(tempfile.gettempdir()),
        help="where the scratch SQLite database goes (default /dev/shm, a RAM disk)",
    )
    args = parser.parse_args(argv)

    given = os.environ.get("DATABASE_URL", "")
    scratch = None
    if not given or given.startswith("sqlite"):
        scratch = args.db_dir / f"ssm-bench-dashboard-{os.getpid()}.sqlite3"
        database_url = f"sqlite:///{scratch}"
    else:
        database_url = given
    django_setup(database_url)
    from django.core.management import call_command
    from django.db import connection

    server = created = None
    try:
        if scratch is not None:
            call_command("migrate", verbosity=0)
        began = time.perf_counter()
        created = _build(args.patients, args.seed, args.threads)
        built = time.perf_counter() - began
        connection.close()

        port = free_port()
        server = gunicorn_start(port, database_url, args.workers, args.server_threads)
        wait_ready(port, server)
        cookies = [f"sessionid={key}" for key in created.session_keys]
        overview = f"/dashboards/teams/{created.team_id}/"
        # warm every worker's connections and template caches
        _drive(port, "/", cookies, 3, b"", HOME_STATUS)
        _drive(port, overview, cookies, 3, b"")
        # Alternate the two pages in rounds, so a change in the machine's other load over the
        # run falls on both alike.
        home, board = Result([], 0.0, 0), Result([], 0.0, 0)
        per_round = max(1, args.requests // args.rounds)
        for _ in range(args.rounds):
            home.add(_drive(port, "/", cookies, per_round, b"", HOME_STATUS))
            board.add(_drive(port, overview, cookies, per_round, b"Patient-weighted index"))
    finally:
        if server is not None:
            process_stop(server)
        if scratch is not None:
            connection.close()
            for suffix in ("", "-journal", "-wal", "-shm"):
                Path(f"{scratch}{suffix}").unlink(missing_ok=True)
        elif created is not None:
            _clean_up(created)

    ratio = board.throughput / home.throughput if home.throughput else 0.0
    cpus, load = os.cpu_count(), os.getloadavg()[0]
    where = f"scratch file in {args.db_dir}" if scratch else "the configured database"
    print(
        f"dashboard benchmark on {connection.vendor} ({where}): team of {args.patients:,} patients"
    )
    print(f"  stored summaries built in {built:.1f} s ({QUARTERS} quarters, bulk_create)")
    print(f"  machine: {cpus} CPUs, load average {load:.1f} at the end (the clients share it)")
    print(
        f"  gunicorn gthread, {args.workers} workers × {args.server_threads} threads; "
        f"{args.threads} concurrent clients"
    )
    print(f"  {args.requests} requests per client and page, alternating in {args.rounds} rounds")
    print(f"  {'page':<22}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'req/s':>9}{'errors':>8}")
    for result, label in ((home, "home (trivial)"), (board, "team overview")):
        print(
            f"  {label:<22}{result.percentile(50):>9.1f}{result.percentile(95):>9.1f}"
            f"{max(result.latencies, default=0) * 1000:>9.1f}{result.throughput:>9.1f}"
            f"{result.errors:>8}"
        )
    print(f"  {'left nothing behind' if scratch else 'rows deleted'}")
    where = f"one team of {args.patients:,}, {connection.vendor}, {args.threads} clients"
    target_print(
        Target(
            f"team overview p95 ({where})", board.percentile(95), TARGET_P95_MS, "ms", below=True
        )
    )
    target_print(
        Target(
            f"team overview / trivial page throughput ({where})", ratio, TARGET_RATIO, at_most=False
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
