"""Load-test the clinician's record page, the encounter form and a team dashboard together.

    python -m benchmarks.bench_load [--patients 50000] [--users 20] [--seconds 60] [--reuse]

Runs on PostgreSQL in the cohort's database (``ssm_bench_<patients>``, shared with the summaries
and freshness benchmarks, or ``BENCH_LOAD_DATABASE_URL``), filled with ``seed_demo --patients N``,
which also builds the stored summaries; ``--reuse`` keeps the cohort already there when it has
that many patients and its summaries. Encounters the
run logs stay in that database; the sessions it signs in are deleted at the end.

Served as production serves it, on this machine: gunicorn as the Dockerfile starts it (3 sync
workers; ``--worker-class gthread --workers 2 --threads 4`` and the like to compare) with
production settings, and a broker: Redis db 9 on 127.0.0.1 (``BENCH_LOAD_BROKER_URL``) with one
Celery worker process listening on every summary queue (``benchmarks.servers.QUEUES``) and
sharing the cores, so each saved encounter queues its summary refresh instead of computing it
inline (``--no-worker`` leaves the tasks queued, to measure the web tier alone). After the run the
worker is given ``--drain`` seconds to finish what was queued, the queues' lengths printed each
second; what is left then is dropped and counted as unfinished work, a failure.

locust (``benchmarks/locustfile.py``, headless, in a child process) runs ``--users`` users for
``--seconds``, each with its own signed-in clinician session and a manager session: the record
page of a random patient in the clinician's caseload, an encounter POST with two ratings, and
the team overview, 6 : 2 : 2, each pausing ``--think`` seconds on average between requests
(drawn from half to one and a half times it; users come in over the first one): 3 s by default,
a clinician clicking far faster than one reading a record does. That is the mixed run, whose
response times are the targets: 20 people at work at once, each waiting for their own page.

Two runs measure capacity instead, with no pause at all, so every user always has a request in
flight and the cores are never idle: each page alone for ``--phase-seconds``, and so a trivial
signed-in request (the root address, a redirect), whose throughput the pages' are compared with;
then the mix for ``--saturated-seconds`` (0 leaves it out). With no pause the response times are
set by Little's law (users / throughput), whatever a page costs, so they are printed, not judged.

It prints requests, throughput, p50 / p95 / p99 and errors of each kind of request and of all
together, where the CPU went, and the targets, met or MISSED: team dashboard p95 under 200 ms and
record page p95 under 300 ms in the mixed run, each page's throughput alone at least 0.3 of the
trivial request's, no errors, every successful POST saved, no work left unfinished. It asserts
nothing: the exit status is 0 whatever the figures.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import psutil

from benchmarks.latency import Result
from benchmarks.scratch_db import cohort_database_url, database_ensure, django_setup
from benchmarks.servers import (
    QUEUES,
    ROOT,
    celery_worker_start,
    free_port,
    gunicorn_start,
    http_get,
    process_stop,
    queue_lengths,
    queues_purge,
    session_keys,
    wait_ready,
)
from benchmarks.targets import Target, target_print

TARGET_P95_MS = {"team dashboard": 200.0, "record page": 300.0}
TARGET_THROUGHPUT_RATIO = 0.3
# Each page measured alone, by its locust tag, and the trivial request they are compared with.
PHASES = {"trivial": "trivial page", "dashboard": "team dashboard", "record": "record page"}


def _database_url(patients: int) -> str:
    return os.environ.get("BENCH_LOAD_DATABASE_URL") or cohort_database_url(patients)


def _cohort_ready(patients: int) -> bool:
    """Whether the database holds the cohort and its summaries, brought up to the code's
    migrations first (a cohort kept from an earlier run may predate some)."""
    from django.core.management import call_command
    from django.db.utils import DatabaseError

    from indicators.models import PatientSummary, TeamSummary
    from patients.models import Patient

    call_command("migrate", verbosity=0)
    try:
        return (
            Patient.objects.count() == patients
            and PatientSummary.objects.exists()
            and TeamSummary.objects.exists()
        )
    except DatabaseError:  # not migrated yet
        return False


def _seed(url: str, patients: int) -> None:
    """A fresh database with the demo cohort and its stored summaries, as ``seed_demo`` makes it."""
    from django.core.management import call_command
    from django.db import connection

    connection.close()
    database_ensure(url, fresh=True)
    call_command("migrate", verbosity=0)
    call_command("seed_demo", patients=patients, force=True)


def _plan(users: int, think: float) -> tuple[dict, list[str]]:
    """What each locust user does and as whom; also the session keys, to delete afterwards."""
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from assessments.models import Element
    from patients.models import Membership, Patient, User

    clinicians = list(
        User.objects.filter(role=User.Role.CLINICIAN, memberships__role=Membership.Role.CLINICIAN)
        .distinct()
        .order_by("username")
    )
    managers = {
        m.team_id: m.user
        for m in Membership.objects.filter(role=Membership.Role.MANAGER).select_related("user")
    }
    teams_of = {
        c.pk: sorted(
            c.memberships.filter(role=Membership.Role.CLINICIAN).values_list("team_id", flat=True)
        )
        for c in clinicians
    }
    plan_users, keys = [], []
    for n in range(users):
        clinician = clinicians[n % len(clinicians)]
        teams = teams_of[clinician.pk]
        team = next(t for t in teams if t in managers)
        clinician_key, manager_key = (
            session_keys(clinician, 1)[0],
            session_keys(managers[team], 1)[0],
        )
        keys += [clinician_key, manager_key]
        plan_users.append(
            {
                "clinician": clinician_key,
                "manager": manager_key,
                "teams": teams,
                "dashboard_team": team,
            }
        )
    used = {t for u in plan_users for t in u["teams"]}
    caseloads: dict[str, list[int]] = {str(t): [] for t in used}
    for patient_id, team_id in Patient.teams.through.objects.filter(team_id__in=used).values_list(
        "patient_id", "team_id"
    ):
        caseloads[str(team_id)].append(patient_id)
    an_hour_ago = timezone.localtime() - timedelta(hours=1)
    plan = {
        "users": plan_users,
        "caseloads": caseloads,
        "csrf_token": get_random_string(32),
        "elements": list(Element.objects.framework().values_list("code", flat=True)),
        "encounter": {
            "occurred_at": an_hour_ago.strftime("%Y-%m-%dT%H:%M"),
            "mode": "face_to_face",
            "initiated_by": "service",
            "duration_minutes": "15",
            "target_relevant": "on",  # ticked when the form is shown, so a browser sends it
        },
        "think_seconds": think,
    }
    return plan, keys


def _warm(port: int, plan: dict) -> None:
    """One record and one dashboard per user, so every worker has its connection and templates."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for user in plan["users"]:
        patient = plan["caseloads"][str(user["teams"][0])][0]
        for path, key in (
            (f"/clinic/patients/{patient}/", user["clinician"]),
            (f"/dashboards/teams/{user['dashboard_team']}/", user["manager"]),
        ):
            status, _ = http_get(conn, path, f"sessionid={key}")
            if status != 200:
                raise RuntimeError(f"warm-up: {path} answered {status}")
    conn.close()


def _drain(timeout: float) -> float:
    """Wait for the worker to finish what the run queued, printing the queues each second;
    the seconds it took, or ``inf``."""
    began = time.monotonic()
    while True:
        lengths = queue_lengths()
        print(
            f"  +{time.monotonic() - began:5.1f} s  "
            + "  ".join(f"{queue} {n}" for queue, n in lengths.items()),
            flush=True,
        )
        if not any(lengths.values()):
            return time.monotonic() - began
        if time.monotonic() - began >= timeout:
            return math.inf
        time.sleep(1)


class CpuMeter(threading.Thread):
    """CPU seconds used by each group of processes while it runs, sampled every second.

    A process first seen after the start counts from zero; one that ends between two samples
    loses at most its last second. What no group accounts for is the rest of the machine.
    """

    def __init__(self, groups: dict[str, Callable[[], list[psutil.Process]]]) -> None:
        super().__init__(daemon=True)
        self.groups = groups
        self.finished = threading.Event()
        self.cpu: dict[tuple[str, int], list[float]] = {}  # (group, pid) -> [first, last]

    def _sample(self, *, baseline: bool) -> None:
        for name, find in self.groups.items():
            for process in find():
                try:
                    times = process.cpu_times()
                except psutil.Error:
                    continue
                seen = self.cpu.setdefault((name, process.pid), [0.0, 0.0])
                seen[1] = times.user + times.system
                if baseline:
                    seen[0] = seen[1]

    @staticmethod
    def _machine() -> float:
        times = psutil.cpu_times()
        return sum(times) - times.idle - getattr(times, "iowait", 0.0)

    def run(self) -> None:
        self.began, self.machine = time.monotonic(), self._machine()
        self._sample(baseline=True)
        while not self.finished.wait(1.0):
            self._sample(baseline=False)

    def stop(self) -> dict[str, float]:
        """Seconds of CPU by group, and the machine's rest; ``self.seconds`` is the wall time."""
        self.finished.set()
        self.join()
        self._sample(baseline=False)
        self.seconds = time.monotonic() - self.began
        used = dict.fromkeys(self.groups, 0.0)
        for (name, _), (first, last) in self.cpu.items():
            used[name] += last - first
        used["rest of the machine"] = self._machine() - self.machine - sum(used.values())
        return used


def _tree(pid: int) -> Callable[[], list[psutil.Process]]:
    def find() -> list[psutil.Process]:
        try:
            process = psutil.Process(pid)
            return [process, *process.children(recursive=True)]
        except psutil.Error:
            return []

    return find


def _backends(
    database: str, clients: Callable[[], list[psutil.Process]]
) -> Callable[[], list[psutil.Process]]:
    """PostgreSQL's server processes serving ``clients``' connections to ``database``: a
    backend's title names its database and its client's address, ``127.0.0.1(port)``."""

    def find() -> list[psutil.Process]:
        ports = set()
        for client in clients():
            try:
                ports |= {c.laddr.port for c in client.net_connections("tcp") if c.raddr}
            except psutil.Error:
                continue
        found = []
        for process in psutil.process_iter(["name", "cmdline"]):
            title = " ".join(process.info["cmdline"] or ())
            port = re.search(rf" {re.escape(database)} [^ ]*\((\d+)\)", title)
            if process.info["name"] == "postgres" and port and int(port[1]) in ports:
                found.append(process)
        return found

    return find


def _locust(
    port: int,
    args: argparse.Namespace,
    plan_file: Path,
    out: Path,
    watch: dict,
    *,
    seconds: int,
    tags: tuple[str, ...] = ("--exclude-tags", "trivial"),
    name: str = "",
) -> tuple[Path, dict[str, float], float]:
    """Run locust headless in a child process for ``seconds`` with ``tags`` (locust's options
    choosing the tasks), while metering the CPU of ``watch`` and locust.

    Returns the file of locust's samples, CPU seconds by group and the seconds metered.
    """
    name = name or "-".join(t for t in tags if not t.startswith("--"))
    samples = out / f"samples-{name}.json"
    log = out / f"locust-{name}.log"
    with log.open("w") as sink:
        locust = subprocess.Popen(
            [
                *(sys.executable, "-m", "locust", "-f", str(ROOT / "benchmarks/locustfile.py")),
                *("--headless", "--only-summary", "--loglevel", "WARNING"),
                *("--users", str(args.users), "--spawn-rate", str(args.users)),
                *("--run-time", f"{seconds}s", "--stop-timeout", "30", *tags),
                *("--host", f"http://127.0.0.1:{port}"),
            ],
            cwd=ROOT,
            env={**os.environ, "SSM_LOAD_PLAN": str(plan_file), "SSM_LOAD_SAMPLES": str(samples)},
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        meter = CpuMeter({**watch, "locust": _tree(locust.pid)})
        meter.start()
        returncode = locust.wait()
        used = meter.stop()
    if returncode not in (0, 1):  # 1 is locust's "some requests failed"
        raise RuntimeError(f"locust stopped with {returncode}:\n{log.read_text()[-3000:]}")
    return samples, used, meter.seconds


@dataclass
class Run:
    """One locust run's figures: each kind of request's and all together, failures by message,
    CPU seconds by group and the seconds metered."""

    results: dict[str, Result]
    failures: Counter
    cpu: dict[str, float]
    seconds: float


def _results(samples: Path) -> tuple[dict[str, Result], Counter]:
    """Each kind of request's figures, and all together under "all"; failures by message."""
    run = json.loads(samples.read_text())
    names = sorted({name for name, _, _ in run["requests"]})
    results = {name: Result([], run["seconds"], 0) for name in (*names, "all")}
    failures: Counter = Counter()
    for name, milliseconds, error in run["requests"]:
        for result in (results[name], results["all"]):
            result.latencies.append(milliseconds / 1000)
            result.errors += error is not None
        if error is not None:
            failures[f"{name}: {error}"] += 1
    return results, failures


def _table(results: dict[str, Result], failures: Counter) -> None:
    print(
        f"  {'request':<16}{'count':>7}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}"
        f"{'max ms':>8}{'errors':>8}{'error %':>9}"
    )
    for name, result in results.items():
        count = len(result.latencies)
        if not count:
            print(f"  {name:<16}{0:>7}")
            continue
        print(
            f"  {name:<16}{count:>7}{result.throughput:>8.1f}{result.percentile(50):>8.0f}"
            f"{result.percentile(95):>8.0f}{result.percentile(99):>8.0f}"
            f"{max(result.latencies) * 1000:>8.0f}{result.errors:>8}"
            f"{100 * result.errors / count:>9.2f}"
        )
    for failure, times in failures.most_common(5):
        print(f"  failed {times}×: {failure}")


def _cpu(results: dict[str, Result], cpu: dict[str, float], seconds: float) -> None:
    cpus = os.cpu_count() or 1
    print(f"  CPU seconds in the {seconds:.0f} s run ({cpus} CPUs: {cpus * seconds:.0f} at most):")
    print("    " + ", ".join(f"{name} {used:.0f}" for name, used in cpu.items()))
    served = len(results["all"].latencies)
    if served:
        # What a request costs does not depend on who else shares the machine; the latency does.
        app_ms = 1000 * cpu["gunicorn"] / served
        db_ms = 1000 * cpu["its PostgreSQL"] / served
        print(
            f"  CPU per request: gunicorn {app_ms:.0f} ms + PostgreSQL {db_ms:.0f} ms, so "
            f"{cpus} CPUs serve this mix at {cpus * 1000 / (app_ms + db_ms):.0f} req/s at most"
        )


def _report(args, mixed: Run, saturated: Run | None, alone, saved, drain, dropped, seeded_in):
    cpus, load = os.cpu_count(), os.getloadavg()[0]
    print(
        f"load benchmark on PostgreSQL ({_database_url(args.patients).rsplit('/', 1)[1]}): "
        f"demo cohort of {args.patients:,} patients, {seeded_in}"
    )
    print(
        f"  gunicorn {args.worker_class}, {args.workers} workers × {args.threads} threads, "
        f"production settings (DEBUG off) on plain HTTP; "
        f"{'one Celery worker (solo)' if args.worker else 'no Celery worker'} on Redis, "
        f"queues {', '.join(QUEUES)}"
    )
    print(f"  machine: {cpus} CPUs, load average {load:.1f} at the end (locust shares them)")
    print(
        f"  mixed run: {args.users} users for {args.seconds} s, record : encounter : dashboard "
        f"6 : 2 : 2, each pausing {args.think:g} s on average between requests"
    )
    _table(mixed.results, mixed.failures)
    _cpu(mixed.results, mixed.cpu, mixed.seconds)
    if saturated is not None:
        print(
            f"  capacity: the same mix with no pause, {args.users} users for "
            f"{args.saturated_seconds} s (every user always waiting: response times are queueing)"
        )
        _table(saturated.results, saturated.failures)
        _cpu(saturated.results, saturated.cpu, saturated.seconds)
        throughput = saturated.results["all"].throughput
        if throughput:
            print(
                f"  Little's law: {args.users} users / {throughput:.1f} req/s "
                f"= {1000 * args.users / throughput:.0f} ms mean latency, whatever the pages cost"
            )
    posts = [
        run.results.get("encounter POST", Result([], 0, 0)) for run in (mixed, saturated) if run
    ]
    succeeded = sum(len(p.latencies) - p.errors for p in posts)
    print(f"  encounters saved {saved}, successful POSTs {succeeded}")
    print(
        f"  capacity of each page alone, {args.users} users with no pause, "
        f"{args.phase_seconds} s each:"
    )
    for name, result in alone.items():
        print(
            f"    {name:<16}{len(result.latencies):>7} requests{result.throughput:>8.1f} req/s"
            f"  p95 {result.percentile(95) if result.latencies else float('nan'):.0f} ms"
            f"  errors {result.errors}"
        )
    drained_in = "never" if math.isinf(drain) else f"{drain:.1f} s"
    print(f"  queues empty {drained_in} after the run; tasks left unfinished and dropped {dropped}")
    print()
    where = f"({args.users} users, {args.patients:,} patients)"
    for name, limit in TARGET_P95_MS.items():
        result = mixed.results.get(name)
        p95 = result.percentile(95) if result and result.latencies else float("nan")
        target_print(
            Target(f"{name} p95, {args.think:g} s pauses {where}", p95, limit, "ms", below=True)
        )
    trivial = alone.get("trivial page")
    for name in ("team dashboard", "record page"):
        page = alone.get(name)
        ratio = (
            page.throughput / trivial.throughput
            if page and trivial and trivial.throughput
            else float("nan")
        )
        target_print(
            Target(
                f"{name} throughput / trivial page's {where}",
                ratio,
                TARGET_THROUGHPUT_RATIO,
                at_most=False,
            )
        )
    errors = sum(run.results["all"].errors for run in (mixed, saturated) if run)
    errors += sum(r.errors for r in alone.values())
    target_print(Target(f"request errors {where}", errors, 0))
    target_print(Target(f"successful encounter POSTs not saved {where}", abs(succeeded - saved), 0))
    target_print(Target(f"summary tasks left unfinished and dropped {where}", dropped, 0))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=50_000)
    parser.add_argument("--users", type=int, default=20, help="concurrent locust users")
    parser.add_argument("--seconds", type=int, default=60, help="how long locust runs")
    parser.add_argument(
        "--think", type=float, default=3.0, help="mean seconds between a user's requests"
    )
    parser.add_argument(
        "--saturated-seconds",
        type=int,
        default=30,
        help="how long the mix runs again with no pause, for capacity (0: not at all)",
    )
    parser.add_argument("--reuse", action="store_true", help="keep a cohort already seeded")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--worker-class", choices=("sync", "gthread"), default="sync")
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument(
        "--no-worker", dest="worker", action="store_false", help="no Celery worker: tasks queue"
    )
    parser.add_argument(
        "--phase-seconds", type=int, default=20, help="how long each page runs alone"
    )
    parser.add_argument(
        "--drain", type=float, default=120, help="seconds the worker has to empty the queues"
    )
    parser.add_argument("--out", type=Path, help="keep the plan, locust's log and samples here")
    args = parser.parse_args(argv)
    if args.worker_class == "sync":
        args.threads = 1  # with more, gunicorn would switch to gthread

    url = _database_url(args.patients)
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # not a line for each session signed in
    database_ensure(url)
    django_setup(url, os.environ.get("BENCH_LOAD_BROKER_URL", "redis://127.0.0.1:6379/9"))
    from django.contrib.sessions.models import Session
    from django.db import connection

    from patients.models import Encounter

    if args.reuse and _cohort_ready(args.patients):
        seeded_in = "reused"
    else:
        began = time.perf_counter()
        _seed(url, args.patients)
        seeded_in = f"seeded with its summaries in {time.perf_counter() - began:.0f} s"
    plan, keys = _plan(args.users, args.think)

    server = worker = None
    scratch = tempfile.TemporaryDirectory(prefix="ssm-load-") if args.out is None else None
    out = args.out or Path(scratch.name)
    out.mkdir(parents=True, exist_ok=True)
    plan_file = out / "plan.json"
    plan_file.write_text(json.dumps(plan))
    # The capacity runs: the same users, never pausing.
    busy_file = out / "plan-no-pause.json"
    busy_file.write_text(json.dumps({**plan, "think_seconds": 0}))
    saturated: Run | None = None
    alone: dict[str, Result] = {}
    drain, dropped = math.inf, 0
    try:
        left = queues_purge()
        if left:
            print(f"{left} task(s) left on the queues by an earlier run, dropped before starting")
        if args.worker:
            worker = celery_worker_start()
        port = free_port()
        server = gunicorn_start(port, url, args.workers, args.threads, args.worker_class)
        wait_ready(port, server)
        _warm(port, plan)
        database = url.rsplit("/", 1)[1]
        watch = {"gunicorn": _tree(server.pid)}
        watch["its PostgreSQL"] = _backends(database, watch["gunicorn"])
        if worker is not None:
            watch["celery worker"] = _tree(worker.pid)
            watch["the worker's PostgreSQL"] = _backends(database, watch["celery worker"])
        for phase, name in PHASES.items():
            phase_samples, _, _ = _locust(
                port,
                args,
                busy_file,
                out,
                watch,
                seconds=args.phase_seconds,
                tags=("--tags", phase),
            )
            alone[name] = _results(phase_samples)[0].get(name, Result([], 0, 0))
        before = Encounter.objects.count()
        samples, cpu, seconds = _locust(port, args, plan_file, out, watch, seconds=args.seconds)
        mixed = Run(*_results(samples), cpu, seconds)
        if args.saturated_seconds:
            samples, cpu, seconds = _locust(
                port, args, busy_file, out, watch, seconds=args.saturated_seconds, name="no-pause"
            )
            saturated = Run(*_results(samples), cpu, seconds)
        saved = Encounter.objects.count() - before
        process_stop(server)
        server = None
        if worker is not None:
            drain = _drain(args.drain)
    finally:
        if server is not None:
            process_stop(server)
        if worker is not None:
            process_stop(worker)
        dropped = queues_purge()
        Session.objects.filter(session_key__in=keys).delete()
        connection.close()
    _report(args, mixed, saturated, alone, saved, drain, dropped, seeded_in)
    if scratch is not None:
        scratch.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
