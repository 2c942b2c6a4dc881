"""The full rebuild of the stored summaries through real Celery workers, against the SQL floor,
with one worker process and with two.

    python -m benchmarks.bench_summaries --patients 5000 20000 50000

Each cohort size runs in a child process on a PostgreSQL database of its own
(``benchmarks.scratch_db.cohort_database_url``: ``ssm_bench_<patients>``, which the load and
freshness benchmarks reuse), seeded with the demo cohort and its summaries on first use and kept
for later runs (``--reseed`` starts again). For each size it prints:

- the floor (``benchmarks.floor``: one SQL statement computing the stored index and coverage of
  every patient-quarter from the raw tables), the faster of two runs;
- the rebuild as production runs it: ``indicators.tasks.rebuild_all_summaries`` sent through
  the broker (``BENCH_BROKER_URL``, default Redis db 14) to a worker listening on every summary
  queue (``benchmarks.servers.QUEUES``), first with 1 process and then with 2
  (``--concurrency``). The patient phase ends when every patient summary has been rewritten
  since the task was sent; the whole when, besides, every team and caseload summary has, none
  is stale, and no task is waiting or running. Each phase is then timed to the millisecond by
  the worker's log, to its last task's success. Each run starts from a vacuumed database;
- that both runs stored the same summaries, and that every stored index and coverage equals the
  floor's;
- the targets: rebuild (1 process) at most 1.5 x the floor; with 2 processes at least 1.8 x the
  throughput of 1 in the patient phase and 1.5 x overall.

Work the workers did not finish is a failure, never dropped silently. The exit status is 1 when
summaries differ (between the runs or from the floor) or a rebuild did not finish; missed time
targets only print MISSED.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import psutil

from benchmarks.floor import floor_rows
from benchmarks.scratch_db import cohort_database_url, database_ensure, django_setup
from benchmarks.servers import (
    QUEUES,
    celery_worker_start,
    process_stop,
    queue_lengths,
    queues_purge,
    worker_wait_ready,
)
from benchmarks.targets import Target, target_print

ROOT = Path(__file__).resolve().parents[1]
ANCHOR = date(2026, 11, 1)
REBUILD_TASK = "indicators.tasks.rebuild_all_summaries"
TARGET_FLOOR_RATIO = 1.5
TARGET_PATIENT_SCALE = 1.8
TARGET_WHOLE_SCALE = 1.5
POLL_SECONDS = 0.25
# A rebuild is given up when nothing is queued or running for this long and it is not done.
IDLE_SECONDS = 15


def _vacuum() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")


def _seed(url: str, patients: int, reseed: bool) -> None:
    """The demo cohort with its summaries built once (so every timed rebuild rewrites them)."""
    from django.core.management import call_command
    from django.db import connection

    from demo.cohort import demo_cohort_create
    from indicators.patient_summaries import summaries_rebuild_all
    from patients.models import Patient

    call_command("migrate", verbosity=0)
    if not reseed and Patient.objects.count() == patients:
        return
    connection.close()
    database_ensure(url, fresh=True)
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    demo_cohort_create(patients=patients, seed=1, anchor=ANCHOR)
    summaries_rebuild_all()
    print(
        f"seeded {patients:,} patients and their summaries in {time.perf_counter() - started:.0f} s"
    )


def _floor() -> tuple[float, dict]:
    best, rows = float("inf"), {}
    for _ in range(2):
        started = time.perf_counter()
        rows = floor_rows()
        best = min(best, time.perf_counter() - started)
    return best, rows


def _digests() -> dict[str, dict[tuple, str]]:
    """Each stored summary as the text of its figures, by kind and key (``computed_at`` left
    out): two rebuilds stored the same when these are equal."""
    from django.db import connection

    from indicators.models import CaseloadSummary, PatientSummary, TeamSummary
    from indicators.patient_summaries import FIGURE_FIELDS

    figures = ", ".join(f'"{f}"' for f in FIGURE_FIELDS if f != "computed_at")
    tables = {
        "patient": ("patient_id", figures, PatientSummary._meta.db_table),
        "team": ("team_id", "patients, figures, stale", TeamSummary._meta.db_table),
        "caseload": ("clinician_id", "patients, figures, stale", CaseloadSummary._meta.db_table),
    }
    digests: dict[str, dict[tuple, str]] = {}
    with connection.cursor() as cursor:
        for kind, (owner, columns, table) in tables.items():
            cursor.execute(f"SELECT {owner}, period, md5(ROW({columns})::text) FROM {table}")
            digests[kind] = {(o, p): d for o, p, d in cursor.fetchall()}
    return digests


def _groups_done(since) -> bool:
    from django.db.models import Q

    from indicators.models import CaseloadSummary, TeamSummary

    old = Q(stale=True) | Q(computed_at__lt=since) | Q(computed_at=None)
    return all(
        model.objects.exists() and not model.objects.filter(old).exists()
        for model in (TeamSummary, CaseloadSummary)
    )


PIECES = re.compile(r"summaries rebuild: (\d+) (?:equal )?pieces")
# When the worker logged a task's success: Celery's "[2026-12-01 10:08:43,627: INFO/...] Task
# <name>[<id>] succeeded", local time to the millisecond.
SUCCEEDED_AT = re.compile(
    r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3}): [^\]]*\] Task ([\w.]+)\[[^\]]+\] succeeded",
    re.MULTILINE,
)
PIECE_TASK = "indicators.tasks.rebuild_summaries_chunk"
GROUP_TASKS = ("indicators.tasks.rebuild_group_period", "indicators.tasks.rebuild_finished")


def _phase_ends(log: Path) -> tuple[float | None, float | None]:
    """When, by the worker's log (seconds since the epoch), the last piece of patients and the
    last task of the group phase succeeded; None for a phase the log does not show ended. The
    polling loop only notices a phase up to ``POLL_SECONDS`` late, which at 5,000 patients is a
    quarter of the patient phase."""
    patients, groups = None, None
    for stamp, millis, task in SUCCEEDED_AT.findall(log.read_text(errors="replace")):
        at = time.mktime(time.strptime(stamp, "%Y-%m-%d %H:%M:%S")) + int(millis) / 1000
        if task == PIECE_TASK:
            patients = max(patients or at, at)
        elif task in GROUP_TASKS:
            groups = max(groups or at, at)
    return patients, groups


def _patients_done(log: Path, expected: int) -> bool:
    """Whether every piece of the patient phase has finished, by the worker's log (a quarter whose
    figures come out as stored is not rewritten, so the rows cannot tell), and every
    patient-quarter is stored."""
    from indicators.models import PatientSummary

    text = log.read_text(errors="replace") if log.exists() else ""
    pieces = PIECES.search(text)
    done = sum(task == PIECE_TASK for *_, task in SUCCEEDED_AT.findall(text))
    if pieces is None or done < int(pieces.group(1)):
        return False
    return PatientSummary.objects.count() == expected


def _earlier(seen: float, logged_at: float | None, sent: float) -> float:
    """A phase's length: when the log says it ended, if that is after the task was sent and no
    later than the polling loop saw it end; otherwise what the loop saw."""
    if logged_at is None or not 0 < logged_at - sent <= seen:
        return seen
    return logged_at - sent


def _rss_mb(pid: int) -> float:
    try:
        process = psutil.Process(pid)
        return sum(p.memory_info().rss for p in [process, *process.children()]) / 2**20
    except psutil.Error:
        return 0.0


def _rebuild(processes: int, expected: int, timeout: float, *, cold: bool = False) -> dict:
    """Send the rebuild task to a worker of ``processes`` processes and time its two phases: over
    the summaries stored (as each night), or ``cold``, with none stored (as the first time)."""
    from django.db import connection
    from django.utils import timezone

    from ssm_outcomes.celery import app

    log = Path(tempfile.gettempdir()) / f"ssm-bench-worker-{os.getpid()}-{processes}-{cold}.log"
    log.unlink(missing_ok=True)
    if cold:
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE indicators_patientsummary")
    _vacuum()
    connection.close()
    worker = celery_worker_start(concurrency=processes, log=log, loglevel="INFO")
    run: dict = {"processes": processes, "patients": None, "whole": None, "peak_mb": 0.0}
    try:
        worker_wait_ready(worker)
        since = timezone.now()
        began = time.monotonic()
        sent = time.time()
        app.send_task(REBUILD_TASK)
        idle_since = None
        while True:
            time.sleep(POLL_SECONDS)
            elapsed = time.monotonic() - began
            run["peak_mb"] = max(run["peak_mb"], _rss_mb(worker.pid))
            if run["patients"] is None and _patients_done(log, expected):
                run["patients"] = elapsed
            busy = any(queue_lengths().values())
            if run["patients"] is not None and not busy and _groups_done(since):
                run["whole"] = elapsed
                break
            idle_since = None if busy else idle_since or time.monotonic()
            if worker.poll() is not None:
                run["failure"] = "the worker stopped"
                break
            if idle_since is not None and time.monotonic() - idle_since > IDLE_SECONDS:
                run["failure"] = f"nothing queued or running for {IDLE_SECONDS} s, not done"
                break
            if elapsed > timeout:
                run["failure"] = f"not done after {timeout:.0f} s"
                break
    finally:
        process_stop(worker, timeout=60)
        left = queues_purge()
        if left:
            run["failure"] = run.get("failure") or "work left unfinished"
        run["left"] = left
    if not run.get("failure"):
        # The phases' ends to the millisecond, from the log, where the loop saw them.
        patients_end, groups_end = _phase_ends(log)
        run["patients"] = _earlier(run["patients"], patients_end, sent)
        run["whole"] = _earlier(run["whole"], groups_end, sent)
    if run.get("failure"):
        print(
            f"rebuild with {processes} process(es) FAILED: {run['failure']}; "
            f"{left} task(s) left unfinished and dropped; the worker's log ends:"
        )
        print(log.read_text()[-3000:])
    return run


def _compare(first: dict, second: dict) -> dict[str, int]:
    """Summaries stored by one run and not the other, or with different figures, by kind."""
    return {
        kind: sum(
            first[kind].get(key) != second[kind].get(key)
            for key in first[kind].keys() | second[kind].keys()
        )
        for kind in first
    }


def _against_floor(floor: dict) -> tuple[int, int]:
    """Stored (index, coverage) compared with the floor's: (compared, differing). A summary the
    floor has and the store lacks, or the other way round, differs."""
    from indicators.models import PatientSummary

    stored = {
        (p, q): (i, c)
        for p, q, i, c in PatientSummary.objects.values_list(
            "patient_id", "period", "index", "coverage"
        ).iterator(chunk_size=20_000)
    }

    def same(a: float | None, b: float | None) -> bool:
        return (a is None and b is None) or (a is not None and b is not None and abs(a - b) <= 1e-9)

    differing = sum(
        key not in stored or not (same(stored[key][0], f[0]) and same(stored[key][1], f[1]))
        for key, f in floor.items()
    ) + len(stored.keys() - floor.keys())
    return len(floor), differing


def one_size(patients: int, reseed: bool, timeout: float) -> int:
    url = cohort_database_url(patients)
    database_ensure(url)
    django_setup(url, os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/14"))
    from patients.models import Patient

    _seed(url, patients, reseed)
    left = queues_purge()
    if left:
        print(f"{left} task(s) left on the queues by an earlier run, dropped before starting")
    _vacuum()
    floor_seconds, floor = _floor()
    cohort = Patient.objects.count()
    print(
        f"cohort: {cohort:,} patients, {len(floor):,} patient-quarters "
        f"(PostgreSQL {url.rsplit('/', 1)[1]})"
    )
    print(f"worker queues: {', '.join(QUEUES)}")
    print(f"SQL floor (index and coverage, one statement, best of 2): {floor_seconds:8.2f} s")

    # The nightly rebuild over what is stored, with 1 process and with 2; then, for the record,
    # the first rebuild of all (nothing stored), with 1.
    runs, digests = [], []
    for processes, cold in ((1, False), (2, False), (1, True)):
        run = _rebuild(processes, len(floor), timeout, cold=cold)
        runs.append(run)
        digests.append(_digests() if not run.get("failure") else None)
        if run.get("failure"):
            break
        print(
            f"rebuild{' from nothing stored' if cold else ''}, {processes} worker "
            f"process{'es' if processes > 1 else ''}: patient phase "
            f"{run['patients']:8.2f} s, whole {run['whole']:8.2f} s, "
            f"worker peak memory {run['peak_mb']:.0f} MB"
        )
    if len(runs) == 3 and not runs[2].get("failure"):
        print(
            f"figure: first rebuild (nothing stored) / SQL floor at {patients:,} patients "
            f"(1 process): {runs[2]['whole'] / floor_seconds:.2f}"
        )
    compared, from_floor = _against_floor(floor)
    print(
        f"stored index and coverage checked against the floor: {compared:,} ({from_floor} differ)"
    )
    failed = from_floor > 0 or any(r.get("failure") for r in runs)

    nan = float("nan")
    one = runs[0]
    two = runs[1] if len(runs) > 1 and not runs[1].get("failure") else {}
    size = f"{patients:,} patients"
    whole_1 = one.get("whole") or nan
    target_print(
        Target(
            f"rebuild / SQL floor at {size} (1 process)",
            whole_1 / floor_seconds,
            TARGET_FLOOR_RATIO,
        )
    )
    if two:
        print(f"(with 2 processes the rebuild is {two['whole'] / floor_seconds:.2f} x the floor)")
    target_print(
        Target(
            f"patient phase throughput, 2 vs 1 worker processes at {size}",
            (one.get("patients") or nan) / (two.get("patients") or nan),
            TARGET_PATIENT_SCALE,
            at_most=False,
        )
    )
    target_print(
        Target(
            f"whole rebuild throughput, 2 vs 1 worker processes at {size}",
            whole_1 / (two.get("whole") or nan),
            TARGET_WHOLE_SCALE,
            at_most=False,
        )
    )
    if len(digests) == 3 and None not in digests:
        differing = _compare(digests[0], digests[1])
        for kind, n in _compare(digests[0], digests[2]).items():
            differing[kind] += n
        print(
            "summaries differing between the runs (1 and 2 processes, and from nothing stored): "
            + ", ".join(f"{kind} {n}" for kind, n in differing.items())
        )
        different = sum(differing.values())
    else:
        different = nan
    target_print(Target(f"summaries differing between the runs at {size}", different, 0))
    target_print(
        Target(f"stored index or coverage differing from the floor at {size}", from_floor, 0)
    )
    target_print(
        Target(f"rebuild tasks left unfinished at {size}", sum(r.get("left", 0) for r in runs), 0)
    )
    return 1 if failed or different != 0 else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, nargs="+", default=[5_000, 20_000, 50_000])
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds a rebuild may take")
    parser.add_argument("--one-size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one_size:
        return one_size(args.one_size, args.reseed, args.timeout)
    status = 0
    for patients in args.patients:
        print(f"\n--- {patients:,} patients", flush=True)
        options = ["--one-size", str(patients), "--timeout", str(args.timeout)]
        child = subprocess.run(
            [sys.executable, "-m", "benchmarks.bench_summaries", *options]
            + (["--reseed"] if args.reseed else []),
            cwd=ROOT,
            check=False,
        )
        status = status or child.returncode
    return status


if __name__ == "__main__":
    sys.exit(main())
