"""Summaries at scale: the full rebuild against the SQL floor, peak memory, and freshness.

    python -m benchmarks.bench_summaries --patients 50000

Runs on PostgreSQL in a database of its own (`ssm_bench`, created and seeded on first use and
kept for later runs; `--reseed` starts again). Prints:
- the full rebuild's time (in a child process, so its peak memory is its own);
- in the same run, one raw SQL statement computing only the patient-quarter weighted index
  (the floor), and the ratio of the two; the rebuilt indices are checked against the floor's;
- the p95 delay from saving a rating to its summary being fresh, through a real worker.
Figures only: nothing here passes or fails on time. Targets: rebuild at most 3x the floor,
peak memory under 1 GB, freshness p95 under 2 s.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from benchmarks.scratch_db import database_ensure, django_setup
from benchmarks.servers import celery_worker_start, process_stop

ROOT = Path(__file__).resolve().parents[1]
BENCH_DB = "ssm_bench"
ANCHOR = date(2026, 11, 1)


def _database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL") or f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rebuild_child() -> None:
    """In a process of its own: rebuild everything, print seconds and peak memory as JSON."""
    from indicators.patient_summaries import summaries_rebuild_all

    started = time.perf_counter()
    written = summaries_rebuild_all()
    print(
        json.dumps(
            {"seconds": time.perf_counter() - started, "peak_mb": _peak_mb(), "patients": written}
        )
    )


def _seed(url: str, patients: int, reseed: bool) -> dict:
    from django.core.management import call_command
    from django.db import connection

    from assessments.models import Rating
    from demo.cohort import demo_cohort_create
    from patients.models import Patient

    call_command("migrate", verbosity=0)
    if reseed or Patient.objects.count() != patients:
        connection.close()
        database_ensure(url, fresh=True)
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        demo_cohort_create(patients=patients, seed=1, anchor=ANCHOR)
        print(f"seeded {patients} patients in {time.perf_counter() - started:.1f} s")
    return {"patients": Patient.objects.count(), "ratings": Rating.objects.count()}


def _floor() -> tuple[float, dict]:
    from django.db import connection

    from indicators import sql
    from indicators.scoring import period_from_number

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql.index_floor_sql(), sql.params(0, 2**62))
        rows = cursor.fetchall()
    seconds = time.perf_counter() - started
    return seconds, {(p, period_from_number(n)): v for p, n, v in rows if v is not None}


def _check_against_floor(floor: dict) -> tuple[int, int]:
    from indicators.models import PatientSummary

    mismatched = 0
    for pid, period, index in PatientSummary.objects.values_list(
        "patient_id", "period", "index"
    ).iterator(chunk_size=20000):
        expected = floor.get((pid, period))
        if expected is not None and (index is None or abs(index - float(expected)) > 1e-6):
            mismatched += 1
    return len(floor), mismatched


def _freshness(saves: int) -> list[float]:
    import random

    from assessments.services import rating_record
    from indicators.models import SummaryState
    from patients.models import Patient

    worker = celery_worker_start()
    try:
        time.sleep(5)  # let the worker connect
        rng = random.Random(7)
        ids = list(Patient.objects.values_list("pk", flat=True))
        delays = []
        for _ in range(saves):
            pid = rng.choice(ids)
            patient = Patient.objects.get(pk=pid)
            saved = time.perf_counter()
            rating_record(
                patient=patient,
                element=rng.choice(["H1", "M2", "R3"]),
                value=rng.randint(0, 10),
                rated_on=ANCHOR,
                rater="patient",
            )
            deadline = saved + 30
            while time.perf_counter() < deadline:
                state = SummaryState.objects.get(patient_id=pid)
                if state.computed_up_to >= state.dirty:
                    break
                time.sleep(0.005)
            delays.append(time.perf_counter() - saved)
        return delays
    finally:
        process_stop(worker, timeout=30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=50_000)
    parser.add_argument("--saves", type=int, default=200)
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--rebuild-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    url = _database_url()
    broker = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/14")
    if args.rebuild_child:
        django_setup(url, broker)
        rebuild_child()
        return 0

    database_ensure(url)
    django_setup(url, broker)
    cohort = _seed(url, args.patients, args.reseed)
    print(f"cohort: {cohort['patients']} patients, {cohort['ratings']} ratings (PostgreSQL)")

    floor_seconds, floor = _floor()
    child = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_summaries", "--rebuild-child"],
        cwd=ROOT,
        env={**os.environ},
        capture_output=True,
        text=True,
        check=True,
    )
    rebuild = json.loads(child.stdout.strip().splitlines()[-1])
    compared, mismatched = _check_against_floor(floor)
    print(f"SQL floor (index only, one statement): {floor_seconds:8.1f} s")
    print(
        f"full rebuild (every figure, stored):   {rebuild['seconds']:8.1f} s "
        f"= {rebuild['seconds'] / floor_seconds:.2f} x the floor (target <= 3)"
    )
    print(f"rebuild peak memory:                   {rebuild['peak_mb']:8.0f} MB (target < 1024)")
    print(f"indices checked against the floor:     {compared} ({mismatched} differ)")

    delays = _freshness(args.saves)
    p95 = statistics.quantiles(delays, n=20)[18]
    print(
        f"freshness over {len(delays)} saves: p50 {statistics.median(delays):.3f} s, "
        f"p95 {p95:.3f} s (target < 2 s)"
    )
    return 1 if mismatched else 0


if __name__ == "__main__":
    sys.exit(main())
